import {
  Global,
  Module,
  type Abstract,
  type DynamicModule,
  type FactoryProvider,
} from '@nestjs/common';
import { EdgeConfig } from '../edge/edge.config';
import { FeedbackConfig } from '../feedback/feedback.config';
import { JobViewConfig } from '../jobs/job-view-token';
import { LoggingConfig } from '../logging/logging.config';
import { RedisConfig } from '../queues/redis.config';
import { AppConfig } from './app.config';
import { validateEnv } from './validate-env';

/** Environment the process was started with; tests pass their own. */
export const ENV = Symbol('ENV');
export type Env = Record<string, string | undefined>;

/**
 * One configuration area as a provider: validated once, from the ENV token, when the container
 * starts (a bad variable fails start-up with its name), then injected wherever the area is read.
 * `load` is for areas read some other way than `validateEnv` (FeedbackConfig's FEEDBACK_* family).
 */
export function configProvider<T extends object>(
  // Any class, private constructor included (FeedbackConfig is made by its fromEnv).
  area: Abstract<T>,
  load: (env: Env) => T = (env) => validateEnv(area as new () => T, env),
): FactoryProvider<T> {
  return { provide: area, useFactory: load, inject: [ENV] };
}

/**
 * Areas read by several modules of a role; an area read by one module is provided by that module
 * with `configProvider` (WorkerConfig, AuthConfig, each action's own).
 */
const SHARED_AREAS: Array<[Abstract<object>, (env: Env) => object]> = [
  [AppConfig, (env) => validateEnv(AppConfig, env)],
  [LoggingConfig, (env) => validateEnv(LoggingConfig, env)],
  [EdgeConfig, (env) => validateEnv(EdgeConfig, env)],
  [RedisConfig, (env) => validateEnv(RedisConfig, env)],
  [JobViewConfig, (env) => validateEnv(JobViewConfig, env)],
  [FeedbackConfig, (env) => FeedbackConfig.fromEnv(env)],
];

@Global()
@Module({})
export class ConfigModule {
  /**
   * The shared areas are validated here, as the module is described and before Nest builds
   * anything: a bad variable stops start-up with one clear message before any connection opens.
   */
  static forRoot(env: Env = process.env): DynamicModule {
    const areas = SHARED_AREAS.map(([area, load]) => ({ provide: area, useValue: load(env) }));
    return {
      module: ConfigModule,
      providers: [{ provide: ENV, useValue: env }, ...areas],
      exports: [ENV, ...areas.map((area) => area.provide)],
    };
  }
}
