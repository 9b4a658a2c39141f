import { Logger, type INestApplicationContext, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import cors from 'cors';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { ActionRegistry } from './actions/action-registry.service';
import { ActionIntake } from './intake/action-intake.service';
import { IntakeFastLane } from './intake/intake-fast-lane';
import { intakeRecorder } from './metrics/intake-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, type Role } from './app.module';
import { CallerAuth } from './auth/caller-auth.service';
import { AppConfig } from './config/app.config';
import type { Env } from './config/config.module';
import { ConfigError } from './config/validate-env';
import { mountDashboard } from './dashboard/dashboard';
import { guardHttpServer } from './edge/connection-guard';
import { EdgeConfig } from './edge/edge.config';
import { configureHttp, type ConfiguredHttp } from './http/configure-http';
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
  const env = loggingEnv(options);
  // Nest 12 runs the providers' constructors and init hooks inside create(); when one throws
  // (a bad LAUNCHERS, say) no app comes back to close, so its Redis connections are closed here.
  const app = await starting(() =>
    NestFactory.create<NestExpressApplication>(AppModule.forRole(role, env, options.extra), {
      bodyParser: false,
      abortOnError: false,
      ...nestLoggerOptions(options),
    }),
  );
  usePino(app, options);
  const config = app.get(AppConfig);
  const { CORS_ORIGINS } = app.get(CallerAuth).config;
  // Kitsu's AJAX mode sends cookies cross-origin: exact origins only, never `*`.
  const corsHeaders = CORS_ORIGINS.length
    ? [cors({ origin: CORS_ORIGINS, credentials: true, methods: ['GET', 'POST'], maxAge: 600 })]
    : [];
  const edge = app.get(EdgeConfig);
  const http = configureHttp(app, config, edge, corsHeaders);
  mountDashboard(app);
  mountOpenApi(app);
  if (config.INTAKE_FAST_LANE) installIntakeFastLane(app, config, http);
  // In front of both intake paths and every route: body size, slow senders, connections per peer.
  guardHttpServer(app.getHttpServer(), {
    edge,
    bodyLimit: config.bodyLimitBytes,
    trustsPeer: http.trustsPeer,
    headers: http.headers,
    log: () => PinoLogger.root,
  });
  return app;
}

/**
 * Puts the intake fast lane in front of Express on the HTTP server: a Kitsu AJAX click is
 * answered there, every other request goes on to Express (and Nest) as before.
 */
function installIntakeFastLane(
  app: NestExpressApplication,
  config: AppConfig,
  http: ConfiguredHttp,
): void {
  const registry = app.get(ActionRegistry);
  const metrics = app.get(MetricsService, { strict: false });
  const lane = new IntakeFastLane({
    intake: app.get(ActionIntake),
    bodyLimit: config.bodyLimitBytes,
    fixedHeaders: http.fixedHeaders,
    headers: http.perRequestHeaders,
    clientIp: http.clientIp,
    log: () => PinoLogger.root,
    observe: intakeRecorder(metrics, registry),
  });
  const server = app.getHttpServer();
  const others = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (lane.handle(req, res)) return;
    for (const listener of others) listener(req, res);
  });
}

/** The worker role: a Nest application context with no HTTP server. */
export async function createWorkerContext(
  options: BootstrapOptions = {},
): Promise<INestApplicationContext> {
  // createApplicationContext has already run the init hooks (Nest 12); a failing hook rejects
  // without handing back a context, so the Redis connections opened so far are closed here.
  const context = await starting(() =>
    NestFactory.createApplicationContext(
      AppModule.forRole('worker', loggingEnv(options), options.extra),
      { abortOnError: false, ...nestLoggerOptions(options) },
    ),
  );
  usePino(context, options);
  context.enableShutdownHooks();
  return context;
}

/**
 * Tests pass `logger: false`: Nest's own logger is off and pino is silenced. Otherwise Nest's
 * start-up lines are buffered and then written through pino, so every line is JSON.
 */
function loggingEnv(options: BootstrapOptions): Env | undefined {
  return options.logger === false
    ? { ...(options.env ?? process.env), LOG_LEVEL: 'silent' }
    : options.env;
}

function nestLoggerOptions(options: BootstrapOptions): {
  logger?: BootstrapOptions['logger'];
  bufferLogs?: boolean;
} {
  return options.logger !== undefined ? { logger: options.logger } : { bufferLogs: true };
}

function usePino(app: INestApplicationContext, options: BootstrapOptions): void {
  if (options.logger === undefined) app.useLogger(app.get(NestPinoLogger));
}

/** Creation with its failure path: buffered start-up lines are written, Redis is closed. */
async function starting<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await closingRedisOnFailure(create);
  } catch (error) {
    Logger.flush();
    throw error;
  }
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
