import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { ENV, type Env } from '../config/config.module';
import { ProducerConnection } from '../queues/producer-connection';
import { loadEdgeConfig, type EdgeConfig } from './edge.config';

export interface RateVerdict {
  allowed: boolean;
  /** Which limit refused: `person` or `ip`. */
  limit?: 'person' | 'ip';
  max?: number;
  retryAfterS?: number;
}

/**
 * Fixed-window counters in Redis, per person and per client address, so the limits hold across
 * API replicas. Both counters are bumped and read in one round trip. If Redis cannot answer, the
 * request goes on: the enqueue that follows answers 503 on its own.
 */
@Injectable()
export class ActionRateLimiter {
  private readonly logger = new Logger('RateLimit');
  readonly config: EdgeConfig;
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    app: AppConfig,
    @Inject(ENV) env: Env,
  ) {
    this.config = loadEdgeConfig(env);
    this.prefix = `${app.QUEUE_PREFIX}:rate`;
  }

  async check(personId: string, ip: string | undefined): Promise<RateVerdict> {
    const { RATE_LIMIT_PER_PERSON: perPerson, RATE_LIMIT_PER_IP: perIp } = this.config;
    if (!this.config.rateLimited) return { allowed: true };
    const windowMs = this.config.RATE_LIMIT_WINDOW_S * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const personKey = `${this.prefix}:p:${personId}:${window}`;
    const ipKey = `${this.prefix}:ip:${ip ?? 'unknown'}:${window}`;
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await this.producer.client
        .multi()
        .incr(personKey)
        .pexpire(personKey, windowMs)
        .incr(ipKey)
        .pexpire(ipKey, windowMs)
        .exec();
    } catch (error) {
      this.logger.warn(`Rate limits not checked: ${(error as Error).message}`);
      return { allowed: true };
    }
    const personCount = Number(replies?.[0]?.[1] ?? 0);
    const ipCount = Number(replies?.[2]?.[1] ?? 0);
    const retryAfterS = Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    if (perPerson > 0 && personCount > perPerson) {
      return { allowed: false, limit: 'person', max: perPerson, retryAfterS };
    }
    if (perIp > 0 && ipCount > perIp)
      return { allowed: false, limit: 'ip', max: perIp, retryAfterS };
    return { allowed: true };
  }
}
