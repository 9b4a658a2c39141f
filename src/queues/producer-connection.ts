import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { ENV, type Env } from '../config/config.module';
import { createRedisConnection, type RedisClient } from './redis-connection';
import { loadRedisConfig } from './redis.config';

/** The one fail-fast Redis connection the API role enqueues and reads jobs through. */
@Injectable()
export class ProducerConnection implements OnApplicationShutdown {
  readonly client: RedisClient;

  constructor(config: AppConfig, @Inject(ENV) env: Env) {
    this.client = createRedisConnection(config, 'producer', loadRedisConfig(env));
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
