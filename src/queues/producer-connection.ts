import { Global, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app.config';
import { createRedisConnection } from './redis-connection';

/** The one fail-fast Redis connection the API role enqueues and reads jobs through. */
@Injectable()
export class ProducerConnection implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(config: AppConfig) {
    this.client = createRedisConnection(config, 'producer');
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
