import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { ProducerConnection } from '../queues/producer-connection';
import type { RedisClient } from '../queues/redis-connection';
import { EdgeConfig } from './edge.config';

export interface RateVerdict {
  allowed: boolean;
  /** Which limit refused: `person` or `ip`. */
  limit?: 'person' | 'ip';
  max?: number;
  retryAfterS?: number;
}

/**
 * Both fixed windows in one round trip (EVALSHA). The address is counted first; when it is over
 * its budget the person is not counted, as if the request had stopped at the address check.
 * KEYS[1] address counter, KEYS[2] person counter (a counter with budget 0 is not touched);
 * ARGV: window in ms, address budget, person budget (0 = not counted). Returns the two counts.
 * Both keys sit under QUEUE_PREFIX, so a hash-tagged prefix keeps them in one Cluster slot.
 */
const COUNT_SCRIPT = `
local window = ARGV[1]
local function count(key, max)
  if tonumber(max) <= 0 then return 0 end
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window) end
  return n
end
local address = count(KEYS[1], ARGV[2])
if tonumber(ARGV[2]) > 0 and address > tonumber(ARGV[2]) then return {address, 0} end
return {address, count(KEYS[2], ARGV[3])}
`;

type CountingClient = RedisClient & {
  kitsuRateCount(
    addressKey: string,
    personKey: string,
    windowMs: number,
    maxAddress: number,
    maxPerson: number,
  ): Promise<[number, number]>;
};

/**
 * Fixed-window counters in Redis, per client address and per person, so the limits hold across
 * API replicas (no state in the process). The address is counted before the caller is
 * authenticated, so a flood of made-up credentials costs at most the address budget in Zou
 * session checks; the person is counted once known, so nobody can spend another person's budget.
 * When the person is already known (a session Zou confirmed moments ago), both are counted in
 * one call. If Redis cannot answer, the request goes on: the enqueue that follows answers 503.
 */
@Injectable()
export class ActionRateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly prefix: string;
  private readonly client: CountingClient;

  constructor(
    producer: ProducerConnection,
    app: AppConfig,
    readonly config: EdgeConfig,
  ) {
    this.prefix = `${app.QUEUE_PREFIX}:rate`;
    // defineCommand sends EVALSHA and falls back to EVAL once after a Redis restart (NOSCRIPT).
    producer.client.defineCommand('kitsuRateCount', { numberOfKeys: 2, lua: COUNT_SCRIPT });
    this.client = producer.client as CountingClient;
  }

  /** Every request to /actions from this address, refused ones included. */
  checkAddress(ip: string | undefined): Promise<RateVerdict> {
    return this.check(ip, null);
  }

  /** Every authenticated click of this person. */
  checkPerson(personId: string): Promise<RateVerdict> {
    return this.check(undefined, personId, false);
  }

  /**
   * The address and the person in one round trip, for a caller whose person is already known.
   * Over the address budget, the person is not counted.
   */
  checkAddressAndPerson(ip: string | undefined, personId: string): Promise<RateVerdict> {
    return this.check(ip, personId);
  }

  private async check(
    ip: string | undefined,
    personId: string | null,
    countAddress = true,
  ): Promise<RateVerdict> {
    const maxAddress = countAddress ? this.config.RATE_LIMIT_PER_IP : 0;
    const maxPerson = personId === null ? 0 : this.config.RATE_LIMIT_PER_PERSON;
    if (maxAddress <= 0 && maxPerson <= 0) return { allowed: true };
    const windowMs = this.config.RATE_LIMIT_WINDOW_S * 1000;
    const window = Math.floor(Date.now() / windowMs);
    let addressKey = maxAddress > 0 ? `${this.prefix}:ip:${ip ?? 'unknown'}:${window}` : '';
    let personKey = maxPerson > 0 ? `${this.prefix}:p:${personId}:${window}` : '';
    // A key not counted is never touched; naming the other one keeps both in one Cluster slot.
    addressKey ||= personKey;
    personKey ||= addressKey;
    let counts: [number, number];
    try {
      counts = await this.client.kitsuRateCount(
        addressKey,
        personKey,
        windowMs,
        maxAddress,
        maxPerson,
      );
    } catch (error) {
      this.logger.warn(`Rate limits not checked: ${(error as Error).message}`);
      return { allowed: true };
    }
    const retryAfterS = () => Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    if (maxAddress > 0 && counts[0] > maxAddress)
      return { allowed: false, limit: 'ip', max: maxAddress, retryAfterS: retryAfterS() };
    if (maxPerson > 0 && counts[1] > maxPerson)
      return { allowed: false, limit: 'person', max: maxPerson, retryAfterS: retryAfterS() };
    return { allowed: true };
  }
}
