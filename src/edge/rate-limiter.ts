import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { ProducerConnection } from '../queues/producer-connection';
import { EdgeConfig } from './edge.config';

export interface RateVerdict {
  allowed: boolean;
  /** Which limit refused: `person` or `ip`. */
  limit?: 'person' | 'ip';
  max?: number;
  retryAfterS?: number;
}

/**
 * Fixed-window counters in Redis, per client address and per person, so the limits hold across
 * API replicas. The address is counted first, before the caller is authenticated, so a flood of
 * made-up credentials costs at most the address budget in Zou session checks; the person is
 * counted once known, so nobody can spend another person's budget. If Redis cannot answer, the
 * request goes on: the enqueue that follows answers 503 on its own.
 */
@Injectable()
export class ActionRateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    app: AppConfig,
    readonly config: EdgeConfig,
  ) {
    this.prefix = `${app.QUEUE_PREFIX}:rate`;
  }

  /** Every request to /actions from this address, refused ones included. */
  checkAddress(ip: string | undefined): Promise<RateVerdict> {
    return this.count('ip', `ip:${ip ?? 'unknown'}`, this.config.RATE_LIMIT_PER_IP);
  }

  /** Every authenticated click of this person. */
  checkPerson(personId: string): Promise<RateVerdict> {
    return this.count('person', `p:${personId}`, this.config.RATE_LIMIT_PER_PERSON);
  }

  private async count(limit: 'person' | 'ip', subject: string, max: number): Promise<RateVerdict> {
    if (max <= 0) return { allowed: true };
    const windowMs = this.config.RATE_LIMIT_WINDOW_S * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const key = `${this.prefix}:${subject}:${window}`;
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await this.producer.client.multi().incr(key).pexpire(key, windowMs).exec();
    } catch (error) {
      this.logger.warn(`Rate limits not checked: ${(error as Error).message}`);
      return { allowed: true };
    }
    const count = Number(replies?.[0]?.[1] ?? 0);
    if (count <= max) return { allowed: true };
    const retryAfterS = Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    return { allowed: false, limit, max, retryAfterS };
  }
}
