import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger as Pino } from 'pino';
import { bodyError, reasonPhrase, sendError, type ErrorBody } from '../http/http-errors';
import type { HeaderMiddleware } from '../intake/intake-fast-lane';
import { assignRequestId } from '../logging/request-id';
import { logRequestLine } from '../logging/request-line';
import type { EdgeConfig } from './edge.config';

export interface ConnectionGuardOptions {
  edge: Pick<EdgeConfig, 'REQUEST_TIMEOUT_MS' | 'HEADERS_TIMEOUT_MS' | 'MAX_CONNECTIONS_PER_IP'>;
  /** BODY_LIMIT in bytes. */
  bodyLimit: number;
  /** Whether TRUST_PROXY trusts this TCP peer as a proxy (its connections are not capped). */
  trustsPeer: (address: string) => boolean;
  /** helmet and CORS, so a refusal carries the same headers as every other answer. */
  headers: HeaderMiddleware[];
  /** The HTTP log (pino-http's root logger) at request time; undefined before it exists. */
  log: () => Pino | undefined;
}

/** How long a refused connection may linger to read our answer before it is cut. */
const REFUSED_LINGER_MS = 2000;
/** A refused address is logged at most this often, so a flood does not flood the log too. */
const REFUSAL_LOG_EVERY_MS = 60_000;

/**
 * What the HTTP server does before any route sees a request, for the intake fast lane and
 * Express alike:
 * - a declared body larger than BODY_LIMIT is answered 413 at once, before a byte of it is read
 *   (body-parser would read a 20 GB declaration to its end before answering);
 * - headers not complete within HEADERS_TIMEOUT_MS, or a whole request within REQUEST_TIMEOUT_MS,
 *   get 408 and the connection is closed (Node's default lets a slow sender hold it 300 s);
 * - a TCP peer may hold at most MAX_CONNECTIONS_PER_IP connections; more are answered 429 and closed.
 * Call before the server listens: Node reads its connection-checking interval when it starts.
 */
export function guardHttpServer(server: Server, options: ConnectionGuardOptions): void {
  const { REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS, MAX_CONNECTIONS_PER_IP } = options.edge;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Node enforces both timeouts only when it sweeps its connections, every 30 s by default;
  // sweeping every quarter of the shorter one keeps a timeout within 25% of what was set.
  const sweep = Math.min(HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS) / 4;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.max(10, Math.min(1000, Math.floor(sweep)));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket as Socket, options.log),
  );
  refuseOversizedBodies(server, options);
  if (MAX_CONNECTIONS_PER_IP > 0) capConnectionsPerPeer(server, MAX_CONNECTIONS_PER_IP, options);
}

/** Puts the 413 check in front of every 'request' listener (the fast lane, then Express). */
function refuseOversizedBodies(server: Server, options: ConnectionGuardOptions): void {
  const listeners = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  server.removeAllListeners('request');
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    for (const listener of listeners) listener.call(server, req, res);
  };
  const tooLarge = (req: IncomingMessage): boolean => {
    const declared = Number(req.headers['content-length']);
    return Number.isFinite(declared) && declared > options.bodyLimit;
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (tooLarge(req)) return refuseBody(req, res, options);
    handle(req, res);
  });
  // `Expect: 100-continue`: an oversized body is refused before the client is told to send it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (tooLarge(req)) return refuseBody(req, res, options);
    res.writeContinue();
    handle(req, res);
  });
}

function refuseBody(req: IncomingMessage, res: ServerResponse, options: ConnectionGuardOptions) {
  const startedAt = process.hrtime.bigint();
  assignRequestId(req, res);
  for (const middleware of options.headers) middleware(req, res, noop);
  // The body is never read: closing is the only way to be rid of it.
  res.setHeader('Connection', 'close');
  res.once('finish', () => {
    const log = options.log();
    if (log)
      logRequestLine(log, req, res, Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6));
  });
  sendError(req, res, bodyError(413, 'entity.too.large'));
}

/**
 * Node's own answers to a request it could not parse or that came too slowly, in the shape of
 * every other error (Node's are bare status lines), then the connection is closed.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
  log: () => Pino | undefined,
): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = clientErrorBody(error.code);
  if (body.statusCode === 408) {
    log()?.warn(
      { remoteAddress: socket.remoteAddress, statusCode: 408 },
      'request not received in time; connection closed',
    );
  }
  endWith(socket, rawAnswer(body));
}

function clientErrorBody(code: string | undefined): ErrorBody {
  const [status, message] =
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request was not received in time (REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS)']
      : code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large']
        : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'The chunk extensions are too large']
          : [400, 'The request is not valid HTTP'];
  return { statusCode: status, error: reasonPhrase(status), message };
}

/** A whole HTTP/1.1 answer for a socket that has no ServerResponse (or none that started). */
function rawAnswer(body: ErrorBody, extraHeaders = ''): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${body.statusCode} ${body.error}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\n` +
    extraHeaders +
    'Connection: close\r\n\r\n' +
    json
  );
}

/** Sends the answer, then closes; whatever the peer still sends meanwhile is read and dropped. */
function endWith(socket: Socket, answer: string): void {
  socket.on('error', noop);
  socket.resume();
  socket.end(answer);
  // A peer that neither reads nor closes does not keep the socket: cut it a little later.
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  socket.once('end', () => socket.destroy());
}

/**
 * Counts open connections per TCP peer address; past the cap a new connection is answered 429
 * and closed before Node's HTTP parser sees it. Wraps the server's own 'connection' listeners.
 */
function capConnectionsPerPeer(server: Server, cap: number, options: ConnectionGuardOptions) {
  const open = new Map<string, number>();
  const lastLogged = new Map<string, number>();
  const listeners = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (options.trustsPeer(address)) {
      for (const listener of listeners) listener.call(server, socket);
      return;
    }
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      logRefusal(address, cap, lastLogged, options.log);
      const body: ErrorBody = {
        statusCode: 429,
        error: reasonPhrase(429),
        message: `Too many open connections from this address: at most ${cap} (MAX_CONNECTIONS_PER_IP)`,
        retryAfter: 1,
      };
      endWith(socket, rawAnswer(body, 'Retry-After: 1\r\n'));
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
    for (const listener of listeners) listener.call(server, socket);
  });
}

function logRefusal(
  address: string,
  cap: number,
  lastLogged: Map<string, number>,
  log: () => Pino | undefined,
): void {
  const now = Date.now();
  if (now - (lastLogged.get(address) ?? 0) < REFUSAL_LOG_EVERY_MS) return;
  if (lastLogged.size > 10_000) lastLogged.clear();
  lastLogged.set(address, now);
  log()?.warn(
    { remoteAddress: address, maxConnectionsPerIp: cap },
    'connection refused: too many open connections from this address',
  );
}

function noop(): void {}
