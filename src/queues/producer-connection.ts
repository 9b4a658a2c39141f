import {
  Global,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { createRedisConnection, type RedisClient } from './redis-connection';
import { RedisConfig } from './redis.config';

/**
 * The fail-fast Redis connections of the API role: `client`, which BullMQ's queues use (it carries
 * their ~64 Lua scripts as defined commands), and `inserts`, which carries only the intake's job
 * inserts (plain EVALSHA, see guarded-add.ts). On a single Redis those go out in CommandBatch's
 * batches (encoded-command.ts), apart from the queues' own traffic; on a Cluster, where ioredis
 * routes them, a connection with no defined commands keeps their auto-pipelines cheap (ioredis
 * copies every defined command into each one: ~25 µs with BullMQ's scripts, ~2.5 µs without).
 */
@Injectable()
export class ProducerConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly client: RedisClient;
  private insertsClient: RedisClient | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConfig,
  ) {
    this.client = createRedisConnection(config, 'producer', redis);
  }

  /** Opened on first use (the intake asks while it is built), so the worker role opens none. */
  get inserts(): RedisClient {
    return (this.insertsClient ??= createRedisConnection(this.config, 'producer', this.redis));
  }

  private opened(): RedisClient[] {
    return this.insertsClient ? [this.client, this.insertsClient] : [this.client];
  }

  /**
   * Gives the connection a moment to come up before the first request: commands are not queued
   * while it connects (fail fast), so without this the first clicks after a start would get 503s.
   * A Redis that is down does not stop the start-up; readiness reports it.
   */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.opened().map(readyOrLater));
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() lets queued commands finish; disconnect() covers a connection that never came up.
    for (const client of this.opened()) {
      await client.quit().catch(() => undefined);
      client.disconnect();
    }
  }
}

/** Resolves once the connection is ready, or after 2 s (a Redis that is down does not stop a start). */
function readyOrLater(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, 2000);
    client.once('ready', done);
  });
}

@Global()
@Module({ providers: [ProducerConnection], exports: [ProducerConnection] })
export class ProducerConnectionModule {}
