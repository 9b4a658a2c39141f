import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { DynamicModule } from '@nestjs/common';
import type { Env } from '../config/config.module';
import { validateEnv } from '../config/validate-env';
import { LoggingConfig } from './logging.config';
import { redactSecretQuery } from '../http/redact';
import { assignRequestId } from './request-id';

const LOGGED_HEADERS = [
  'user-agent',
  'content-type',
  'content-length',
  'x-forwarded-for',
  // Present only to show that credentials came; their values are redacted below.
  'authorization',
  'cookie',
  'x-kitsu-actions-signature',
];

function pickHeaders(headers: IncomingMessage['headers']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

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
 * development), one line per HTTP request with its request id, secrets redacted.
 */
export function loggingModule(role: string, env: Env): DynamicModule {
  const config = validateEnv(LoggingConfig, env);
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
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        url: redactSecretQuery(req.url),
        headers: pickHeaders(req.headers),
        remoteAddress: req.socket?.remoteAddress,
      }),
    },
    // Probes and the dashboard's polling would drown the lines that matter.
    autoLogging: {
      ignore: (req) => /^\/(health|metrics|admin\/queues\/api)/.test(req.url ?? ''),
    },
  };
  if (config.pretty) {
    return LoggerModule.forRoot({
      pinoHttp: { ...options, transport: { target: 'pino-pretty', options: { singleLine: true } } },
    });
  }
  if (config.LOG_LEVEL === 'silent') return LoggerModule.forRoot({ pinoHttp: options });
  return LoggerModule.forRoot({ pinoHttp: [options, stdoutDestination()] });
}

let stdout: DestinationStream | null = null;

/**
 * One asynchronous stdout writer per process: a synchronous write per request line would sit on
 * the intake's hot path. Lines still leave at once (no minimum buffer), and what is pending is
 * flushed when the process exits.
 */
function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  const destination = pino.destination({ dest: 1, sync: false, minLength: 0 });
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
