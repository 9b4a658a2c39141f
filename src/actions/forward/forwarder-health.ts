import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app.config';
import { ProducerConnection } from '../../queues/producer-connection';
import { ForwardConfig } from './forward.config';

export interface ForwarderState {
  name: string;
  /** Failed deliveries in a row (reset by a successful one). */
  failuresInARow: number;
  unstable: boolean;
  lastError: string | null;
  lastFailureAt: string | null;
}

/**
 * Counts failed deliveries in a row per forwarder, in Redis so every worker adds to the same
 * count and the API (health, job list) reads what the workers saw. Keys sit under the queue
 * prefix, so a hash-tagged prefix keeps them in the queues' Cluster slot.
 */
@Injectable()
export class ForwarderHealth {
  private readonly failuresKey: string;
  private readonly lastErrorKey: string;
  private readonly threshold: number;
  readonly names: string[];

  constructor(
    private readonly producer: ProducerConnection,
    app: AppConfig,
    config: ForwardConfig,
  ) {
    this.threshold = config.FORWARD_UNSTABLE_AFTER;
    this.names = config.forwarders.map((f) => f.name);
    this.failuresKey = `${app.QUEUE_PREFIX}:forward:failures`;
    this.lastErrorKey = `${app.QUEUE_PREFIX}:forward:last-error`;
  }

  async recordSuccess(name: string): Promise<void> {
    await this.producer.client.hset(this.failuresKey, name, '0');
  }

  async recordFailure(name: string, reason: string): Promise<number> {
    const detail = JSON.stringify({ reason: reason.slice(0, 300), at: new Date().toISOString() });
    const [[, failures]] = (await this.producer.client
      .multi()
      .hincrby(this.failuresKey, name, 1)
      .hset(this.lastErrorKey, name, detail)
      .exec()) as [[Error | null, number], [Error | null, number]];
    return failures;
  }

  /** Every configured forwarder, stable or not. */
  async states(): Promise<ForwarderState[]> {
    if (!this.names.length) return [];
    const client = this.producer.client;
    const [failures, errors] = await Promise.all([
      client.hmget(this.failuresKey, ...this.names),
      client.hmget(this.lastErrorKey, ...this.names),
    ]);
    return this.names.map((name, index) => {
      const count = Number(failures[index] ?? 0) || 0;
      let last: { reason?: string; at?: string } = {};
      try {
        last = errors[index] ? (JSON.parse(errors[index]) as typeof last) : {};
      } catch {
        last = {};
      }
      return {
        name,
        failuresInARow: count,
        unstable: count >= this.threshold,
        lastError: count > 0 ? (last.reason ?? null) : null,
        lastFailureAt: last.at ?? null,
      };
    });
  }
}
