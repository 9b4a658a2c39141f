import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { DynamicModule } from '@nestjs/common';
import { LineBatchWriter } from './line-batch-writer';
import { LoggingConfig } from './logging.config';
import { requestLogFields, requestLogLevel, responseLogFields } from './request-line';
import { assignRequestId } from './request-id';

/** Paths pino blanks in every line, whichever object carries them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-kitsu-actions-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.accessToken',
  '*.access_token',
  '*.refresh_token',
];

/**
 * pino through nestjs-pino, for both roles: JSON lines (pretty with LOG_PRETTY or in
 * development), one line per HTTP request with its request id, secrets redacted. Built from the
 * injected LoggingConfig (validated once with the other areas, see ConfigModule).
 */
export function loggingModule(role: string): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [LoggingConfig],
    useFactory: (config: LoggingConfig): Params => loggerParams(role, config),
  });
}

function loggerParams(role: string, config: LoggingConfig): Params {
  const options: PinoHttpOptions = {
    level: config.LOG_LEVEL,
    base: { role },
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    genReqId: (req, res) => assignRequestId(req, res),
    // Top-level, as in the worker's lines about the job, so one filter finds both.
    customProps: (req) => ({
      requestId: (req as IncomingMessage & { requestId?: string }).requestId,
    }),
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => requestLogFields(req),
      // The status only: answer headers (CSP, CORS, cookies...) made each line about 1.5 KB.
      res: (res: ServerResponse) => responseLogFields(res),
    },
    // 503 means a dependency is down, which its own outage line reports: not an error per request.
    customLogLevel: (_req, res, error) => requestLogLevel(res.statusCode, error),
    // Probes and the dashboard's polling would drown the lines that matter.
    autoLogging: {
      ignore: (req) => /^\/(health|metrics|admin\/queues\/api)/.test(req.url ?? ''),
    },
  };
  if (config.pretty) {
    // In process and synchronous (a person reads it, speed does not matter): lines appear in the
    // order they were logged, before whatever the process prints next.
    return { pinoHttp: [options, pretty({ singleLine: true, sync: true })] };
  }
  if (config.LOG_LEVEL === 'silent') return { pinoHttp: options };
  return { pinoHttp: [options, stdoutDestination()] };
}

let stdout: LineBatchWriter | null = null;

/** Writes what the buffered stdout holds now, e.g. before a console message that must come last. */
export function flushLogs(): void {
  stdout?.flushSync();
}

/**
 * One batched stdout writer per process (see LineBatchWriter): a write call per line, then
 * sonic-boom's per-line bookkeeping, cost the intake and the workers several % of their CPU at
 * full load. Lines are written in batches of up to 64 KiB, and at least every 200 ms, so a quiet
 * process still shows its lines at once to a person watching; what waits is written at exit.
 */
function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  const destination = new LineBatchWriter({ fd: 1, batchChars: 64 * 1024, flushEveryMs: 200 });
  process.once('exit', () => destination.flushSync());
  stdout = destination;
  return destination;
}
