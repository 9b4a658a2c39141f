import { BlockList, isIP } from 'node:net';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { toInt, toList, validateEnv } from '../config/validate-env';

/** `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`, `::1`: an address with an optional prefix length. */
const CIDR = /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/;

/** What the API role does at its edge, before a request reaches an action. */
export class EdgeConfig {
  /** Accepted action requests per person per window (0 = no limit). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_PER_PERSON = 60;

  /** Requests to /actions per client address per window, refused ones included (0 = no limit). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_PER_IP = 300;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_WINDOW_S = 60;

  /** Addresses allowed to reach Bull Board, as CIDRs; empty = any address (basic auth still applies). */
  @Transform(toList)
  @Matches(CIDR, {
    each: true,
    message: 'addresses or CIDRs like 10.0.0.0/8, 192.168.1.7, fd00::/8',
  })
  BOARD_ALLOW_IPS: string[] = [];

  /**
   * Which proxies' X-Forwarded-For is believed for the client address: Express's `trust proxy`
   * (`loopback`, `false`, `true`, a hop count, or a comma list of addresses/CIDRs).
   */
  @IsString()
  @Matches(/^[0-9A-Za-z:./, ]+$/, { message: 'loopback, true, false, a hop count or CIDRs' })
  TRUST_PROXY = 'loopback';

  /**
   * Time a client has to send a whole request, headers and body, before it is answered 408 and
   * disconnected (Node's own default is 300 s, which lets slow senders hold connections).
   */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 10_000;

  /** Time a client has to send the request line and headers (at most REQUEST_TIMEOUT_MS). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600_000)
  HEADERS_TIMEOUT_MS = 10_000;

  /**
   * Open connections per TCP peer address (0 = no cap). A peer that TRUST_PROXY trusts as a proxy
   * is not capped: its connections carry many clients, so cap at that proxy instead.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  MAX_CONNECTIONS_PER_IP = 100;

  /** Failed Bull Board logins (wrong user or password) per address per window before 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  BOARD_LOGIN_MAX_FAILURES = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  BOARD_LOGIN_WINDOW_S = 900;

  /** The board allowlist, parsed once. */
  boardAllowList: BlockList | null = null;

  crossCheck(): string[] {
    const problems: string[] = [];
    if (this.HEADERS_TIMEOUT_MS > this.REQUEST_TIMEOUT_MS) {
      problems.push(
        `HEADERS_TIMEOUT_MS: ${this.HEADERS_TIMEOUT_MS} is longer than REQUEST_TIMEOUT_MS (${this.REQUEST_TIMEOUT_MS}), which covers the headers too`,
      );
    }
    if (this.BOARD_ALLOW_IPS.length > 0) {
      const list = new BlockList();
      for (const entry of this.BOARD_ALLOW_IPS) {
        const problem = addToList(list, entry);
        if (problem) problems.push(`BOARD_ALLOW_IPS: ${problem}`);
      }
      this.boardAllowList = list;
    }
    return problems;
  }

  /** The value handed to Express's `trust proxy` setting. */
  get trustProxy(): boolean | number | string {
    const value = this.TRUST_PROXY.trim();
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value;
  }

  get rateLimited(): boolean {
    return this.RATE_LIMIT_PER_IP > 0 || this.RATE_LIMIT_PER_PERSON > 0;
  }
}

function addToList(list: BlockList, entry: string): string | null {
  const [address, bits] = entry.split('/');
  const family = isIP(address);
  if (family === 0) return `"${entry}" is not an IP address or CIDR`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return null;
  }
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return `"${entry}" has a prefix longer than the address`;
  list.addSubnet(address, prefix, type);
  return null;
}

/** Whether an address (as Express reports it, IPv4-mapped or not) is inside the list. */
export function addressAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function loadEdgeConfig(env: Record<string, string | undefined> = process.env): EdgeConfig {
  return validateEnv(EdgeConfig, env);
}
