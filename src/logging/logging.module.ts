import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, type Params } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { DynamicModule } from '@nestjs/common';
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

let stdout: ReturnType<typeof pino.destination> | null = null;

/** Longest a line waits in the buffer before it is written. */
const FLUSH_EVERY_MS = 200;

/**
 * One asynchronous, buffered stdout writer per process: a write call per line cost the intake
 * and the workers about 5% of their CPU at full load. Lines are written in 4 KiB batches, and at
 * least every 200 ms, so a quiet process still shows its lines at once to a person watching;
 * what is pending is flushed when the process exits.
 */
/** Writes what the buffered stdout holds now, e.g. before a console message that must come last. */
export function flushLogs(): void {
  try {
    stdout?.flushSync();
  } catch {
    // Not open yet, or stdout is gone: nothing to flush.
  }
}

function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not ready yet, or stdout is gone: the next tick or the exit flush will try again.
    }
  }, FLUSH_EVERY_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing left to do at exit if stdout is gone.
    }
  });
  stdout = destination;
  return destination;
}
