import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { ProducerConnection } from '../queues/producer-connection';
import type { AddGuard } from '../queues/guarded-add';
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
 * Both fixed windows, as Lua: the address is counted first; when it is over its budget the
 * person is not counted, as if the request had stopped at the address check. Keys: the address
 * counter, the person counter (a counter with budget 0 is not touched); arguments: window in ms,
 * address budget, person budget (0 = not counted); numbered from keyBase/argBase, so the same
 * counting runs alone (COUNT_SCRIPT) or in front of a job's insert (guardFor). Both keys sit
 * under QUEUE_PREFIX, so a hash-tagged prefix keeps them in the queue's Cluster slot.
 */
function countingLua(keyBase: number, argBase: number): string {
  return `
local kitsuRateWindow = ARGV[${argBase + 1}]
local kitsuRateMaxAddress = tonumber(ARGV[${argBase + 2}])
local kitsuRateMaxPerson = tonumber(ARGV[${argBase + 3}])
local function kitsuRateCount(key, max)
  if max <= 0 then return 0 end
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, kitsuRateWindow) end
  return n
end
local kitsuAddressCount = kitsuRateCount(KEYS[${keyBase + 1}], kitsuRateMaxAddress)
local kitsuPersonCount = 0
if kitsuRateMaxAddress <= 0 or kitsuAddressCount <= kitsuRateMaxAddress then
  kitsuPersonCount = kitsuRateCount(KEYS[${keyBase + 2}], kitsuRateMaxPerson)
end
`;
}

/** Counts alone (EVALSHA) and returns the two counts. */
const COUNT_SCRIPT = `${countingLua(0, 0)}return {kitsuAddressCount, kitsuPersonCount}\n`;

/** Counts in front of a job's insert: over either budget, returns the counts and stores nothing. */
function guardLua(keyBase: number, argBase: number): string {
  return `${countingLua(keyBase, argBase)}if (kitsuRateMaxAddress > 0 and kitsuAddressCount > kitsuRateMaxAddress)
  or (kitsuRateMaxPerson > 0 and kitsuPersonCount > kitsuRateMaxPerson) then
  return {kitsuAddressCount, kitsuPersonCount}
end
`;
}

/** One click's counting: which keys, which budgets, in which window. */
interface CountPlan {
  keys: [string, string];
  windowMs: number;
  window: number;
  maxAddress: number;
  maxPerson: number;
}

/** The rate limits of a click, counted inside its job's insert; verdict() reads a refusal. */
export interface RateGuard {
  guard: AddGuard;
  /** The verdict for the counts a refusing guard returned. */
  verdict(reply: unknown[]): RateVerdict;
}

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

  /**
   * The address and the person counted by the job's own insert script, in the same round trip
   * (see GuardedJob): for a click whose person is known and that needs nothing else before it
   * is queued. Null when both limits are off.
   */
  guardFor(ip: string | undefined, personId: string): RateGuard | null {
    const plan = this.plan(ip, personId, true);
    if (!plan) return null;
    return {
      guard: {
        name: 'kitsuRateGuard',
        lua: guardLua,
        keys: plan.keys,
        args: [plan.windowMs, plan.maxAddress, plan.maxPerson],
      },
      verdict: (reply) => this.verdict(plan, [Number(reply[0]), Number(reply[1])]),
    };
  }

  private plan(
    ip: string | undefined,
    personId: string | null,
    countAddress: boolean,
  ): CountPlan | null {
    const maxAddress = countAddress ? this.config.RATE_LIMIT_PER_IP : 0;
    const maxPerson = personId === null ? 0 : this.config.RATE_LIMIT_PER_PERSON;
    if (maxAddress <= 0 && maxPerson <= 0) return null;
    const windowMs = this.config.RATE_LIMIT_WINDOW_S * 1000;
    const window = Math.floor(Date.now() / windowMs);
    let addressKey = maxAddress > 0 ? `${this.prefix}:ip:${ip ?? 'unknown'}:${window}` : '';
    let personKey = maxPerson > 0 ? `${this.prefix}:p:${personId}:${window}` : '';
    // A key not counted is never touched; naming the other one keeps both in one Cluster slot.
    addressKey ||= personKey;
    personKey ||= addressKey;
    return { keys: [addressKey, personKey], windowMs, window, maxAddress, maxPerson };
  }

  private async check(
    ip: string | undefined,
    personId: string | null,
    countAddress = true,
  ): Promise<RateVerdict> {
    const plan = this.plan(ip, personId, countAddress);
    if (!plan) return { allowed: true };
    let counts: [number, number];
    try {
      counts = await this.client.kitsuRateCount(
        plan.keys[0],
        plan.keys[1],
        plan.windowMs,
        plan.maxAddress,
        plan.maxPerson,
      );
    } catch (error) {
      this.logger.warn(`Rate limits not checked: ${(error as Error).message}`);
      return { allowed: true };
    }
    return this.verdict(plan, counts);
  }

  private verdict(plan: CountPlan, counts: [number, number]): RateVerdict {
    const { window, windowMs, maxAddress, maxPerson } = plan;
    const retryAfterS = () => Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    if (maxAddress > 0 && counts[0] > maxAddress)
      return { allowed: false, limit: 'ip', max: maxAddress, retryAfterS: retryAfterS() };
    if (maxPerson > 0 && counts[1] > maxPerson)
      return { allowed: false, limit: 'person', max: maxPerson, retryAfterS: retryAfterS() };
    return { allowed: true };
  }
}
