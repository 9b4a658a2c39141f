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

/** The one fail-fast Redis connection the API role enqueues and reads jobs through. */
@Injectable()
export class ProducerConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly client: RedisClient;

  constructor(config: AppConfig, redis: RedisConfig) {
    this.client = createRedisConnection(config, 'producer', redis);
  }

  /**
   * Gives the connection a moment to come up before the first request: commands are not queued
   * while it connects (fail fast), so without this the first clicks after a start would get 503s.
   * A Redis that is down does not stop the start-up; readiness reports it.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      this.client.once('ready', done);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() lets queued commands finish; disconnect() covers a connection that never came up.
    await this.client.quit().catch(() => undefined);
    this.client.disconnect();
  }
}

@Global()
@Module({ providers: [ProducerConnection], exports: [ProducerConnection] })
export class ProducerConnectionModule {}
