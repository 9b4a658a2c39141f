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

  /** The board allowlist, parsed once. */
  boardAllowList: BlockList | null = null;

  crossCheck(): string[] {
    const problems: string[] = [];
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
