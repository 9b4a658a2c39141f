import { Global, Logger, Module } from '@nestjs/common';
import { ENV, type Env } from '../config/config.module';
import { AppConfig } from '../config/app.config';
import { ProducerConnection } from '../queues/producer-connection';
import { SelectionResolver } from './selection-resolver';
import { SharedRateGate } from './shared-rate-gate';
import { createZouClient, ZouClient } from './zou.client';
import { loadZouConfig, ZouConfig } from './zou.config';

/**
 * One Zou client per process (so ZOU_MAX_CONCURRENCY and ZOU_RATE_LIMIT hold process-wide),
 * plus the selection resolver every action uses.
 */
@Global()
@Module({
  providers: [
    {
      provide: ZouConfig,
      // Outside AppModule (scripts, tests) there is no ENV provider: read the process environment.
      useFactory: (env?: Env) => loadZouConfig(env ?? process.env),
      inject: [{ token: ENV, optional: true }],
    },
    {
      provide: ZouClient,
      useFactory: (config: ZouConfig, app?: AppConfig, producer?: ProducerConnection) => {
        const logger = new Logger('Zou');
        const gate =
          config.ZOU_GLOBAL_RATE_LIMIT > 0 && app && producer
            ? new SharedRateGate(
                producer.client,
                `${app.QUEUE_PREFIX}:zou-rate`,
                config.ZOU_GLOBAL_RATE_LIMIT,
                Date.now,
                (error) => logger.warn(`ZOU_GLOBAL_RATE_LIMIT not enforced: ${String(error)}`),
              )
            : undefined;
        return createZouClient(config, logger, { gate });
      },
      inject: [
        ZouConfig,
        { token: AppConfig, optional: true },
        { token: ProducerConnection, optional: true },
      ],
    },
    SelectionResolver,
  ],
  exports: [ZouConfig, ZouClient, SelectionResolver],
})
export class ZouModule {}
