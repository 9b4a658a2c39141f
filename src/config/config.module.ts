import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig, loadAppConfig } from './app.config';

/** Environment the process was started with; tests pass their own. */
export const ENV = Symbol('ENV');
export type Env = Record<string, string | undefined>;

@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: Env = process.env): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: ENV, useValue: env },
        { provide: AppConfig, useFactory: () => loadAppConfig(env) },
      ],
      exports: [ENV, AppConfig],
    };
  }
}
