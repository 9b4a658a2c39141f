import { Logger } from '@nestjs/common';
import type { EventEmitter } from 'node:events';

/** Socket-level error codes that mean "Redis cannot be reached", not "Redis refused this". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** ioredis' and BullMQ's wording when a command cannot be sent or got no answer. */
const UNREACHABLE_MESSAGES = [
  /enableOfflineQueue/i,
  /Connection is closed/i,
  /max retries per request/i,
  /None of (the )?startup nodes is available/i,
  /All sentinels are unreachable/i,
  /Failed to refresh slots cache/i,
  /connect ETIMEDOUT/i,
];

/** Whether an error means Redis is down or unreachable (answer 503 and retry later, not 500). */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, name } = error as Error & { code?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError') return true;
  return UNREACHABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

interface WatchedClient extends EventEmitter {
  status?: string;
}

/**
 * Logs a Redis outage twice: once when the first connection of the process fails, once when every
 * connection that failed is ready again. ioredis reports each reconnection attempt (several a
 * second per connection, one connection per queue), which used to fill the log while Redis was
 * down. One per process, since every connection of the process shares the same Redis.
 */
export class RedisOutageLog {
  private readonly logger = new Logger('Redis');
  private readonly failing = new Set<WatchedClient>();
  private downSince: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Follows a connection this process opened; its own error events are handled here. */
  watch(client: WatchedClient): void {
    client.on('error', (error: Error) => this.failed(client, error));
    client.on('ready', () => this.recovered(client));
    // Closed on purpose (shutdown): it no longer counts, and is not "back" either.
    client.once('end', () => this.forget(client));
  }

  get isDown(): boolean {
    return this.downSince !== null;
  }

  private failed(client: WatchedClient, error: Error): void {
    this.failing.add(client);
    if (this.downSince !== null) return;
    this.downSince = this.now();
    this.logger.error(
      `Redis is unreachable (${error.message}); jobs cannot be stored or read until it is back. ` +
        'Reconnecting in the background; the next line says when it is back.',
    );
  }

  private recovered(client: WatchedClient): void {
    if (!this.failing.delete(client) || this.failing.size > 0 || this.downSince === null) return;
    const seconds = ((this.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = null;
    this.logger.log(`Redis is reachable again after ${seconds} s`);
  }

  private forget(client: WatchedClient): void {
    this.failing.delete(client);
    if (this.failing.size === 0) this.downSince = null;
  }
}

/** The process's outage log: every connection made by createRedisConnection reports to it. */
export const redisOutageLog = new RedisOutageLog();

/**
 * For BullMQ queues and workers, which repeat their connection's errors (and print them to
 * stderr when nobody listens): an unreachable Redis is already in the outage log, anything
 * else is worth its own line.
 */
export function logNonOutageErrors(emitter: EventEmitter, logger: Logger, label: string): void {
  emitter.on('error', (error: Error) => {
    if (!isRedisUnavailable(error)) logger.error(`${label}: ${error.message}`);
  });
}
