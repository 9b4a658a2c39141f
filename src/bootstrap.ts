import { Logger, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, type Role } from './app.module';
import { CallerAuth } from './auth/caller-auth.service';
import { AppConfig, loadAppConfig } from './config/app.config';
import type { Env } from './config/config.module';
import { ConfigError } from './config/validate-env';
import { mountDashboard } from './dashboard/dashboard';
import { configureHttp } from './http/configure-http';
import { mountOpenApi } from './http/openapi';
import { closingRedisOnFailure } from './queues/redis-connection';

export interface BootstrapOptions {
  env?: Env;
  /** Extra modules (tests add their own actions this way). */
  extra?: NonNullable<ModuleMetadata['imports']>;
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/** The HTTP role (or both roles with `all`): intake, job API and page, dashboard, health. */
export async function createHttpApp(
  role: Exclude<Role, 'worker'>,
  options: BootstrapOptions = {},
): Promise<NestExpressApplication> {
  loadAppConfig(options.env); // a bad variable stops here, before anything connects
  // Nest 12 runs the providers' constructors and init hooks inside create(); when one throws
  // (a bad LAUNCHERS, say) no app comes back to close, so its Redis connections are closed here.
  const app = await closingRedisOnFailure(() =>
    NestFactory.create<NestExpressApplication>(
      AppModule.forRole(role, options.env, options.extra),
      {
        bodyParser: false,
        abortOnError: false,
        ...(options.logger !== undefined ? { logger: options.logger } : {}),
      },
    ),
  );
  configureHttp(app, app.get(AppConfig));
  const { CORS_ORIGINS } = app.get(CallerAuth).config;
  // Kitsu's AJAX mode sends cookies cross-origin: exact origins only, never `*`.
  if (CORS_ORIGINS.length > 0) {
    app.enableCors({
      origin: CORS_ORIGINS,
      credentials: true,
      methods: ['GET', 'POST'],
      maxAge: 600,
    });
  }
  mountDashboard(app);
  mountOpenApi(app);
  return app;
}

/** The worker role: a Nest application context with no HTTP server. */
export async function createWorkerContext(
  options: BootstrapOptions = {},
): Promise<INestApplicationContext> {
  loadAppConfig(options.env);
  // createApplicationContext has already run the init hooks (Nest 12); a failing hook rejects
  // without handing back a context, so the Redis connections opened so far are closed here.
  const context = await closingRedisOnFailure(() =>
    NestFactory.createApplicationContext(AppModule.forRole('worker', options.env, options.extra), {
      abortOnError: false,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    }),
  );
  context.enableShutdownHooks();
  return context;
}

/** Entry points share this: a bad configuration is one clear message and exit code 1. */
export async function runOrExit(name: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    const message =
      error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
    new Logger(name).error(`Start-up failed: ${message}`);
    process.exitCode = 1;
    // Give the logger a tick to flush, then leave even if a connection keeps the loop alive.
    setTimeout(() => process.exit(1), 100).unref();
  }
}
