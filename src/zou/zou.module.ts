import { Global, Logger, Module } from '@nestjs/common';
import { ENV, type Env } from '../config/config.module';
import { SelectionResolver } from './selection-resolver';
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
      useFactory: (config: ZouConfig) => createZouClient(config, new Logger('Zou')),
      inject: [ZouConfig],
    },
    SelectionResolver,
  ],
  exports: [ZouConfig, ZouClient, SelectionResolver],
})
export class ZouModule {}
