import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type Logger as Pino } from 'pino';
import { redactSecretQuery } from '../http/redact';

const LOGGED_HEADERS = [
  'user-agent',
  'content-type',
  'content-length',
  'x-forwarded-for',
  // Present only to show that credentials came; their values are redacted.
  'authorization',
  'cookie',
  'x-kitsu-actions-signature',
];

/** Headers whose values never reach a log line. */
export const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'x-kitsu-actions-signature']);

/** What a log line says about a request: the pino-http `req` serializer and the fast lane share it. */
export function requestLogFields(
  req: IncomingMessage & { id?: unknown },
  redactCredentials = false,
): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) {
    const value = req.headers[name];
    if (value === undefined) continue;
    headers[name] = redactCredentials && CREDENTIAL_HEADERS.has(name) ? '[Redacted]' : value;
  }
  return {
    id: req.id,
    method: req.method,
    url: redactSecretQuery(req.url),
    headers,
    remoteAddress: req.socket?.remoteAddress,
  };
}

/** What a log line says about the answer: its status, never its headers. */
export function responseLogFields(res: Pick<ServerResponse, 'statusCode'>): { statusCode: number } {
  return { statusCode: res.statusCode };
}

/**
 * Level of a request line: 5xx are errors except 503 (a dependency is down, reported once by its
 * own outage line), 4xx warnings, the rest info.
 */
export function requestLogLevel(status: number, error?: unknown): 'error' | 'warn' | 'info' {
  if (status === 503) return 'warn';
  if (status >= 500 || error) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

const lineLoggers = new WeakMap<Pino, Pino>();

const LEVEL_NUMBER = { error: 50, warn: 40, info: 30 } as const;

/** `"<name>":` of each logged header, serialised once. */
const HEADER_KEYS = LOGGED_HEADERS.map((name) => `${JSON.stringify(name)}:`);

/** What a line is made of besides its fields: pino's own serialised parts (pino.symbols). */
interface LineParts {
  /** `{"level":30` and the others, by level number. */
  levels: Record<number, string>;
  /** `,"time":<epoch ms>` or whatever the logger's timestamp option writes. */
  time: () => string;
  /** The logger's bindings (`,"role":"api"`), serialised when they were set. */
  bindings: () => string;
  messageKey: string;
  end: string;
  stream: { write(line: string): unknown };
}

const SYMBOLS = pino.symbols as unknown as Record<string, symbol>;

/**
 * The parts of a logger whose lines can be assembled here exactly as pino would write them, or
 * null: nothing that changes a line per call (mixin, hooks, a log formatter, a nested key, a
 * message prefix), and a stream that takes plain lines (a multistream wants each line's level).
 */
function linePartsOf(log: Pino): LineParts | null {
  let parts = linePartsByLogger.get(log);
  if (parts === undefined) {
    parts = readLineParts(log);
    linePartsByLogger.set(log, parts);
  }
  return parts;
}

const linePartsByLogger = new WeakMap<Pino, LineParts | null>();

function readLineParts(log: Pino): LineParts | null {
  const at = (name: string): unknown => (log as unknown as Record<symbol, unknown>)[SYMBOLS[name]];
  const formatters = at('formattersSym') as { log?: unknown } | undefined;
  const hooks = at('hooksSym') as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const stream = at('streamSym') as { write?: unknown; [key: symbol]: unknown } | undefined;
  const levels = at('lsCacheSym') as Record<number, string> | undefined;
  const bindings = () => at('chindingsSym') as string;
  const perCall =
    at('mixinSym') ||
    at('nestedKeySym') ||
    at('msgPrefixSym') ||
    formatters?.log ||
    hooks?.logMethod;
  if (perCall || hooks?.streamWrite || typeof levels?.[30] !== 'string') return null;
  if (typeof bindings() !== 'string' || typeof stream?.write !== 'function') return null;
  if (stream[Symbol.for('pino.metadata')] === true) return null;
  return {
    levels,
    time: (at('timeSym') as () => string).bind(log),
    bindings,
    messageKey: at('messageKeySym') as string,
    end: at('endSym') as string,
    stream: stream as LineParts['stream'],
  };
}

const text = (value: unknown): string => JSON.stringify(value);

/**
 * The line pino-http writes when a request completes, written for a request answered outside
 * Express (the intake fast lane, the connection guard's 413). Its fields are built redacted, so
 * no wildcard redaction runs; and the line is assembled as one string (the fixed parts serialised
 * once, only the varying values escaped) and handed to the logger's stream in one write, byte for
 * byte what pino would write (request-line.spec.ts holds the two equal). pino's own per-field
 * serialisation was 5% of the intake's CPU. A logger with per-call features goes through pino.
 */
export function logRequestLine(
  root: Pino,
  req: IncomingMessage & { id?: unknown; requestId?: string },
  res: ServerResponse,
  responseTime: number,
): void {
  const level = requestLogLevel(res.statusCode);
  if (!root.isLevelEnabled(level)) return;
  const msg = res.statusCode >= 500 ? 'request errored' : 'request completed';
  const parts = linePartsOf(root);
  if (parts) {
    parts.stream.write(assembledLine(parts, level, msg, req, res, responseTime));
    return;
  }
  lineLoggerOf(root)[level](
    {
      requestId: req.requestId,
      req: requestLogFields(req, true),
      res: responseLogFields(res),
      responseTime,
    },
    msg,
  );
}

/** The same line through pino (a child without wildcard redaction: the fields come redacted). */
export function lineLoggerOf(root: Pino): Pino {
  let log = lineLoggers.get(root);
  if (!log) {
    const asIs = (value: unknown) => value;
    log = root.child({}, { redact: [], serializers: { req: asIs, res: asIs } });
    lineLoggers.set(root, log);
  }
  return log;
}

/** requestLogFields and responseLogFields as pino would serialise them, in the same order. */
function assembledLine(
  parts: LineParts,
  level: keyof typeof LEVEL_NUMBER,
  msg: string,
  req: IncomingMessage & { id?: unknown; requestId?: string },
  res: ServerResponse,
  responseTime: number,
): string {
  let line = parts.levels[LEVEL_NUMBER[level]] + parts.time() + parts.bindings();
  if (req.requestId !== undefined) line += `,"requestId":${text(req.requestId)}`;
  line += ',"req":{';
  let comma = '';
  if (req.id !== undefined) {
    line += `"id":${text(req.id)}`;
    comma = ',';
  }
  if (req.method !== undefined) {
    line += `${comma}"method":${text(req.method)}`;
    comma = ',';
  }
  if (req.url !== undefined) {
    line += `${comma}"url":${text(redactSecretQuery(req.url))}`;
    comma = ',';
  }
  line += `${comma}"headers":{`;
  comma = '';
  for (let i = 0; i < LOGGED_HEADERS.length; i++) {
    const name = LOGGED_HEADERS[i];
    const value = req.headers[name];
    if (value === undefined) continue;
    line += comma + HEADER_KEYS[i] + (CREDENTIAL_HEADERS.has(name) ? '"[Redacted]"' : text(value));
    comma = ',';
  }
  line += '}';
  const address = req.socket?.remoteAddress;
  if (address !== undefined) line += `,"remoteAddress":${text(address)}`;
  line += `},"res":{"statusCode":${text(res.statusCode)}},"responseTime":${text(responseTime)}`;
  return `${line},${text(parts.messageKey)}:${text(msg)}${parts.end}`;
}
