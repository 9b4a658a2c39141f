import { Global, Logger, Module } from '@nestjs/common';
import { ENV, type Env } from '../config/config.module';
import { loadFarmConfig, FarmConfig } from './farm.config';
import { createFarmAdapter } from './farm.registry';

/** Injection token of the selected FarmAdapter: `@Inject(FARM_ADAPTER) farm: FarmAdapter`. */
export const FARM_ADAPTER = Symbol('FARM_ADAPTER');

/** The farm chosen by RENDER_FARM, one adapter per process (its call counters are process-wide). */
@Global()
@Module({
  providers: [
    {
      provide: FarmConfig,
      // Outside AppModule (scripts, tests) there is no ENV provider: read the process environment.
      useFactory: (env?: Env) => loadFarmConfig(env ?? process.env),
      inject: [{ token: ENV, optional: true }],
    },
    {
      provide: FARM_ADAPTER,
      useFactory: (config: FarmConfig) => createFarmAdapter(config, { logger: new Logger('Farm') }),
      inject: [FarmConfig],
    },
  ],
  exports: [FarmConfig, FARM_ADAPTER],
})
export class FarmsModule {}
