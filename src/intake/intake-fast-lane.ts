import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger as Pino } from 'pino';
import { errorBodyFor } from '../http/all-exceptions.filter';
import { bodyError, sendError, type ErrorBody } from '../http/http-errors';
import { requestIdOf } from '../logging/request-id';
import { logRequestLine } from '../logging/request-line';
import type { ActionIntake } from './action-intake.service';

/** A connect-style middleware that only sets headers and calls next (helmet, cors). */
export type HeaderMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

export interface FastLaneOptions {
  intake: ActionIntake;
  /** BODY_LIMIT in bytes. */
  bodyLimit: number;
  /**
   * The headers Express's header middlewares set on every answer whatever the request (helmet's),
   * as `[name, value, ...]`: written with the answer's own in one writeHead.
   */
  fixedHeaders: readonly string[];
  /** The header middlewares whose headers depend on the request (CORS), run on each one. */
  headers: HeaderMiddleware[];
  /** The caller's address as Express's `trust proxy` setting resolves it. */
  clientIp: (req: IncomingMessage) => string | undefined;
  /** The HTTP log (pino-http's root logger) at request time; undefined before it exists. */
  log: () => Pino | undefined;
  /** Metrics for one intake request once its answer is sent, if the metrics module is loaded. */
  observe?: (action: string, res: ServerResponse, seconds: number) => void;
}

/** `/actions/<name>` or `/actions/<name>/<variant>` in plain characters, with any query. */
const ACTION_PATH = /^\/actions\/([A-Za-z0-9_.-]+)(?:\/([A-Za-z0-9_.-]+))?(?:\?(.*))?$/s;
const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

interface FastLaneRequest extends IncomingMessage {
  requestId?: string;
}

/**
 * The intake fast lane: Kitsu's AJAX click (POST /actions/<name> with a JSON body) answered
 * straight from Node's HTTP server, without Express's router and body parsers or Nest's
 * per-request pipeline, which cost more than every check put together (see BENCHMARKS.md).
 *
 * It runs the very same checks through ActionIntake (validation, authentication, rate limits,
 * authorization, dedupe, enqueue), the same helmet and CORS middlewares, request id, log line
 * and metrics, and answers errors in the same shape. It takes only what it reads exactly as
 * Express would: anything else (forms, other content types or encodings, encoded or odd paths)
 * goes on to Express and the Nest route untouched, since the decision is made on the request
 * line and headers before a byte of the body is read.
 */
export class IntakeFastLane {
  constructor(private readonly options: FastLaneOptions) {}

  /** Takes the request and returns true, or returns false and leaves it to Express. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const match = ACTION_PATH.exec(req.url ?? '');
    if (!match) return false;
    const type = req.headers['content-type'];
    if (typeof type !== 'string' || !JSON_TYPE.test(type)) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    this.serve(req, res, match[1], match[2] ?? '', match[3] ?? '');
    return true;
  }

  private serve(
    req: FastLaneRequest,
    res: ServerResponse,
    action: string,
    variant: string,
    queryString: string,
  ): void {
    const startedAt = process.hrtime.bigint();
    // X-Request-Id and helmet's headers are written with the answer (see answer and fail).
    const requestId = requestIdOf(req);
    req.id = requestId;
    for (const middleware of this.options.headers) middleware(req, res, noop);
    // One listener for the metrics and the log line, timed from one clock reading.
    res.once('finish', () => this.finished(req, res, action, startedAt));

    this.readBody(req, (problem, raw) => {
      if (problem) return this.fail(req, res, problem, undefined, problem.statusCode === 413);
      let body: unknown;
      try {
        body = parseStrictJson(raw!);
      } catch {
        return this.fail(req, res, bodyError(400, 'entity.parse.failed'));
      }
      this.options.intake
        .accept({
          action,
          variant,
          format: 'ajax',
          body,
          query: parseQuery(queryString),
          headers: req.headers,
          rawBody: raw,
          method: 'POST',
          target: req.url ?? '',
          ip: this.options.clientIp(req),
          requestId,
        })
        .then(
          ({ jobPath, body: accepted }) => this.answer(res, requestId, jobPath, accepted),
          (error: unknown) => this.fail(req, res, errorBodyFor(error), error),
        );
    });
  }

  /** The body up to BODY_LIMIT; past it (declared or as it comes) 413 at once, without reading on. */
  private readBody(
    req: IncomingMessage,
    done: (problem: ErrorBody | null, raw?: Buffer) => void,
  ): void {
    const limit = this.options.bodyLimit;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      done(bodyError(413, 'entity.too.large'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        done(bodyError(413, 'entity.too.large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!tooLarge) done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    // An aborted or timed-out upload leaves nobody to answer; the socket is gone.
    req.once('error', noop);
  }

  /**
   * 202 with every header in one writeHead: with none set before (setHeader), Node takes the list
   * as it is instead of storing each header and serialising them all again.
   */
  private answer(res: ServerResponse, requestId: string, jobPath: string, body: unknown): void {
    // As sendError does when another answer went out first (the connection guard's timeout).
    if (res.headersSent) {
      res.end();
      return;
    }
    const json = JSON.stringify(body);
    const headers = this.options.fixedHeaders.concat(
      'X-Request-Id',
      requestId,
      'Location',
      jobPath,
      'Content-Type',
      'application/json; charset=utf-8',
      'Content-Length',
      String(Buffer.byteLength(json)),
    );
    res.writeHead(202, headers).end(json);
  }

  private fail(
    req: FastLaneRequest,
    res: ServerResponse,
    body: ErrorBody,
    cause?: unknown,
    close = false,
  ): void {
    if (!res.headersSent) {
      const fixed = this.options.fixedHeaders;
      for (let i = 0; i < fixed.length; i += 2) res.setHeader(fixed[i], fixed[i + 1]);
      res.setHeader('X-Request-Id', requestIdOf(req));
      // A body over the limit is not read to its end: closing is the way to be rid of the rest.
      if (close) res.setHeader('Connection', 'close');
    }
    if (body.statusCode >= 500) {
      const detail = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
      this.options.log()?.error(`${req.method} ${req.url} -> ${body.statusCode}: ${detail}`);
    }
    sendError(req, res, body);
  }

  /**
   * The answer is sent: the request's metrics, then the line pino-http writes for every other
   * request, without its per-request child logger.
   */
  private finished(
    req: FastLaneRequest,
    res: ServerResponse,
    action: string,
    startedAt: bigint,
  ): void {
    const elapsedNs = Number(process.hrtime.bigint() - startedAt);
    this.options.observe?.(action, res, elapsedNs / 1e9);
    const log = this.options.log();
    if (log) logRequestLine(log, req, res, Math.round(elapsedNs / 1e6));
  }
}

function noop(): void {}

const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** express.json({ strict: true }): an empty body is {}, and only an object or array is JSON here. */
function parseStrictJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  // The first byte after JSON's own whitespace (space, tab, line feed, carriage return).
  let at = 0;
  while (at < raw.length && JSON_SPACE.has(raw[at])) at++;
  if (raw[at] !== OPEN_BRACE && raw[at] !== OPEN_BRACKET) {
    throw new SyntaxError('not an object or array');
  }
  return JSON.parse(raw.toString('utf8')) as unknown;
}
