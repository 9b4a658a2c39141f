import Redis, { type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app.config';

/**
 * Producer connections fail fast (no offline queue) so intake answers 503 at once when Redis is
 * down instead of hanging; worker connections retry forever, as BullMQ requires for blocking calls.
 */
export type RedisRole = 'producer' | 'worker';

export function redisOptionsFor(role: RedisRole): RedisOptions {
  return role === 'producer'
    ? {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      }
    : {
        maxRetriesPerRequest: null,
        enableReadyCheck: true,
        retryStrategy: (times) => Math.min(times * 200, 5000),
      };
}

export function createRedisConnection(config: AppConfig, role: RedisRole): Redis {
  const client = new Redis(config.REDIS_URL, redisOptionsFor(role));
  // Errors surface through the commands that fail; without a listener ioredis would print each retry.
  client.on('error', () => undefined);
  return client;
}
