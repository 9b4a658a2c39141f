import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { ActionRegistryModule } from './actions/action-registry.module';
import { ActionsModule } from './actions/actions.module';
import { ConfigModule, type Env } from './config/config.module';
import { HealthModule } from './health/health.module';
import { IntakeModule } from './intake/intake.module';
import { JobsModule } from './jobs/jobs.module';
import { loggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueuesModule } from './queues/queues.module';
import { WorkerModule } from './worker/worker.module';
import { ZouModule } from './zou/zou.module';

/** `api` serves HTTP, `worker` runs queues, `all` does both (development and the demo). */
export type Role = 'api' | 'worker' | 'all';

type Imports = NonNullable<ModuleMetadata['imports']>;

@Module({})
export class AppModule {
  static forRole(role: Role, env: Env = process.env, extra: Imports = []): DynamicModule {
    const imports: Imports = [
      ConfigModule.forRoot(env),
      loggingModule(role),
      QueuesModule,
      ZouModule,
      ActionRegistryModule,
      ActionsModule,
      ...extra,
    ];
    if (role !== 'worker') imports.push(IntakeModule, JobsModule, HealthModule, MetricsModule);
    if (role !== 'api') imports.push(WorkerModule);
    return { module: AppModule, imports };
  }
}
