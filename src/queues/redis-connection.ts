import { AsyncLocalStorage } from 'node:async_hooks';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app.config';
import { parseHostPort, type RedisConfig } from './redis.config';
import { redisOutageLog } from './redis-outage';

/**
 * Producer connections fail fast (no offline queue) so intake answers 503 at once when Redis is
 * down instead of hanging; worker connections retry forever, as BullMQ requires for blocking calls.
 * Both reconnect by themselves, so the service recovers when Redis returns without a restart.
 */
export type RedisRole = 'producer' | 'worker';
export type RedisClient = Redis | Cluster;

export function redisOptionsFor(role: RedisRole): RedisOptions {
  return role === 'producer'
    ? {
        enableOfflineQueue: false,
        // Concurrent requests' commands (rate counts, queue adds; a Cluster's job inserts) go out
        // in one socket write per event-loop turn instead of one write each, each keeping its own
        // reply. On a single Redis the intake's inserts are batched by CommandBatch instead.
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

/**
 * Every Redis connection of the service is made here, with the topology (single, Sentinel or
 * Cluster) always given, so none can quietly ignore REDIS_SENTINELS or REDIS_CLUSTER_NODES.
 */
export function createRedisConnection(
  config: AppConfig,
  role: RedisRole,
  redis: RedisConfig,
): RedisClient {
  const client = connect(config.REDIS_URL, role, redis);
  // Errors surface through the commands that fail; an outage is logged once when it starts and
  // once when it ends (without a listener ioredis would print every reconnection attempt).
  redisOutageLog.watch(client);
  const start = startScopes.getStore();
  if (start?.failed) {
    // A provider Nest was still building when its start-up failed: nothing will close it later.
    client.disconnect();
  } else if (start) {
    start.clients.add(client);
    client.once('end', () => start.clients.delete(client));
  }
  return client;
}

/** The Redis clients one start-up opened, and whether that start-up has failed. */
interface StartScope {
  clients: Set<RedisClient>;
  failed: boolean;
}

/**
 * Which start-up a client is opened for. Nest builds providers concurrently: when one throws,
 * create() rejects while others are still being built, and they open their connections after
 * the failure (the intake's inserts connection did, keeping Jest's worker alive). Scoping by
 * async context also leaves another app starting in the same process alone.
 */
const startScopes = new AsyncLocalStorage<StartScope>();

/**
 * Runs `start`; if it throws, every Redis client it opened is disconnected before rethrowing,
 * and so is any it opens afterwards.
 */
export async function closingRedisOnFailure<T>(start: () => Promise<T>): Promise<T> {
  const scope: StartScope = { clients: new Set(), failed: false };
  try {
    return await startScopes.run(scope, start);
  } catch (error) {
    scope.failed = true;
    for (const client of scope.clients) client.disconnect();
    scope.clients.clear();
    throw error;
  }
}

function connect(url: string, role: RedisRole, redis: RedisConfig): RedisClient {
  const options = redisOptionsFor(role);
  if (redis.mode === 'single') return new Redis(url, options);
  const auth = credentialsOf(url);
  if (redis.mode === 'sentinel') {
    return new Redis({
      ...options,
      ...auth,
      sentinels: redis.REDIS_SENTINELS.map(parseHostPort),
      name: redis.REDIS_SENTINEL_NAME,
      ...(redis.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: redis.REDIS_SENTINEL_PASSWORD } : {}),
      // Sentinel announces a failover (+switch-master): reconnect to the new master at once.
      failoverDetector: true,
      // A write that reached the old master (now a replica) was refused, so nothing was stored:
      // reconnect through the sentinels and send it again (2) rather than fail the click.
      reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    });
  }
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = options;
  return new Cluster(redis.REDIS_CLUSTER_NODES.map(parseHostPort), {
    redisOptions: { ...nodeOptions, ...auth },
    clusterRetryStrategy: retryStrategy,
    ...(enableOfflineQueue === false ? { enableOfflineQueue: false } : {}),
    enableReadyCheck: true,
  });
}

/** Username, password and db from REDIS_URL, for Sentinel masters and Cluster nodes. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'db'> {
  const parsed = new URL(url);
  const db = Number(parsed.pathname.replace(/^\//, '') || 0);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
  };
}
