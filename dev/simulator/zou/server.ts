import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZouPerson } from '../../../src/zou/zou.types';
import {
  generateDataset,
  type DatasetSize,
  type NamedPeople,
  type SimulatorDataset,
} from './dataset';
import { HttpError, NOT_FOUND_MESSAGE, Reply, Router, type Query } from './http-kit';
import { SeededRandom } from './random';
import { registerZouRoutes } from './routes';
import { TokenError, TokenSigner, type TokenKind } from './tokens';

export interface ZouFaults {
  /** Share (0..1) of requests answered 503. */
  errorRate?: number;
  /** Share answered 429 with Retry-After. */
  rateLimitRate?: number;
  /** Share whose connection is destroyed without an answer. */
  dropRate?: number;
  /** Retry-After sent with 429s, in seconds (default 1). */
  retryAfterSeconds?: number;
}

/** A fault for the next matching request, for tests that need an exact sequence. */
export type ScriptedFault =
  { status: number; retryAfterSeconds?: number; path?: string } | { drop: true; path?: string };

export interface ZouSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  seed?: number;
  size?: DatasetSize;
  /** Delay before every answer. */
  latencyMs?: number;
  faults?: ZouFaults;
  /** Behave like an older Zou: no add-entities nor add-entity routes, only PUT with `shots`. */
  legacyPlaylists?: boolean;
  /** Lifetime of access tokens from login and refresh (Zou: 7 days). */
  tokenLifetimeMs?: number;
  /** Lifetime of refresh tokens (Zou: 15 days). */
  refreshLifetimeMs?: number;
  /** Log request bodies (default true). */
  logBodies?: boolean;
}

export interface RequestLogEntry {
  method: string;
  /** The path as requested, with /api. */
  path: string;
  /** The matched Zou route, `GET /data/tasks/:id`; absent for unknown paths. */
  route?: string;
  query: Query;
  /** 0 when the connection was dropped. */
  status: number;
  personId?: string;
  body?: unknown;
  /** Epoch ms when the request arrived. */
  at: number;
}

export type RequestLog = RequestLogEntry[];

/** Access tokens of the named people (the bot's never expires). */
export type SimulatorTokens = Record<keyof NamedPeople, string>;

export interface ZouSimulator {
  /** Base URL with /api, e.g. http://127.0.0.1:PORT/api. */
  url: string;
  port: number;
  data: SimulatorDataset;
  tokens: SimulatorTokens;
  log: RequestLog;
  issueToken(personId: string, options?: { expiresInMs?: number }): string;
  issueRefreshToken(personId: string, options?: { expiresInMs?: number }): string;
  setFaults(faults: ZouFaults): void;
  /** Faults for the next requests (optionally only those whose path contains `path`), in order. */
  injectFaults(...faults: ScriptedFault[]): void;
  setLatency(ms: number): void;
  /**
   * Test hook: the next request to `method path` (path contains `path`) is never answered, as if
   * its caller died waiting; with `afterWrite` its write is made first (the caller dies between
   * Zou's write and its answer). Resolves when that request has arrived and been held.
   */
  holdNext(method: string, path: string, options?: { afterWrite?: boolean }): Promise<void>;
  /** Moves the simulator's clock forward: tokens issued before expire without waiting. */
  advanceClock(ms: number): void;
  /** Requests of the log that match (method and route template, e.g. 'GET /data/tasks'). */
  calls(route?: string): RequestLogEntry[];
  resetLog(): void;
  close(): Promise<void>;
}

const DAY = 86_400_000;
/** Gunicorn's default limit_request_line: longer request lines get a 400 from Zou's server. */
const MAX_REQUEST_LINE = 4094;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Starts an HTTP server that answers like Zou for everything Kitsu Actions uses. */
export async function startZouSimulator(options: ZouSimulatorOptions = {}): Promise<ZouSimulator> {
  const seed = options.seed ?? 42;
  const store = generateDataset({ seed, size: options.size ?? 'small' });
  const signer = new TokenSigner(`zou-simulator-${seed}`);
  const faultRandom = new SeededRandom(seed ^ 0x5eed);
  let faults: ZouFaults = { ...options.faults };
  let scripted: ScriptedFault[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const accessLifetime = options.tokenLifetimeMs ?? 7 * DAY;
  const refreshLifetime = options.refreshLifetimeMs ?? 15 * DAY;
  const logBodies = options.logBodies ?? true;
  const log: RequestLog = [];
  const holds: Array<{ method: string; path: string; afterWrite: boolean; held: () => void }> = [];
  const takeHold = (method: string, path: string) => {
    const index = holds.findIndex((h) => h.method === method && path.includes(h.path));
    return index >= 0 ? holds.splice(index, 1)[0] : null;
  };

  const sign = (person: ZouPerson, kind: TokenKind, lifetimeMs: number | null, jti?: string) => {
    const issuedAt = Math.floor(now() / 1000);
    return signer.sign({
      sub: person.id,
      type: kind,
      iat: issuedAt,
      ...(lifetimeMs === null ? {} : { exp: Math.floor((now() + lifetimeMs) / 1000) }),
      identity_type: person.is_bot ? 'bot' : 'person',
      ...(jti ? { jti } : {}),
    });
  };
  const personOrThrow = (personId: string) => {
    const person = store.persons.get(personId);
    if (!person) throw new Error(`No person ${personId} in the simulator`);
    return person;
  };
  const issueToken = (personId: string, issue: { expiresInMs?: number } = {}) => {
    const person = personOrThrow(personId);
    const lifetime = issue.expiresInMs ?? (person.is_bot ? null : accessLifetime);
    return sign(person, 'access', lifetime);
  };
  const issueRefreshToken = (personId: string, issue: { expiresInMs?: number } = {}) =>
    sign(personOrThrow(personId), 'refresh', issue.expiresInMs ?? refreshLifetime);

  const router = new Router();
  registerZouRoutes(router, store, {
    legacyPlaylists: options.legacyPlaylists ?? false,
    now,
    version: '1.0.67-simulator',
    issueAccessToken: (person) => sign(person, 'access', accessLifetime),
    issueTokens: (person) => ({
      access_token: sign(person, 'access', accessLifetime),
      refresh_token: sign(person, 'refresh', refreshLifetime),
    }),
  });

  const authenticate = (request: IncomingMessage, kind: TokenKind): ZouPerson => {
    const header = request.headers.authorization;
    let token: string | undefined;
    if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
    else
      token = cookie(
        request.headers.cookie,
        kind === 'access' ? 'access_token_cookie' : 'refresh_token_cookie',
      );
    if (!token) {
      const cookieName = kind === 'access' ? 'access_token_cookie' : 'refresh_token_cookie';
      throw new HttpError(401, {
        msg: `Missing JWT in cookies or headers (Missing cookie "${cookieName}"; Missing Authorization Header)`,
      });
    }
    try {
      const claims = signer.verify(token, kind, now());
      const person = store.persons.get(claims.sub);
      if (!person) throw new HttpError(401, { msg: 'User not found' });
      if (!person.active) throw new HttpError(401, { msg: 'User is inactive' });
      return person;
    } catch (error) {
      if (error instanceof TokenError) throw new HttpError(error.status, { msg: error.message });
      throw error;
    }
  };

  const drawFault = (path: string): ScriptedFault | null => {
    const index = scripted.findIndex((fault) => !fault.path || path.includes(fault.path));
    if (index >= 0) return scripted.splice(index, 1)[0];
    const roll = faultRandom.next();
    const drop = faults.dropRate ?? 0;
    const limited = faults.rateLimitRate ?? 0;
    const failed = faults.errorRate ?? 0;
    if (roll < drop) return { drop: true };
    if (roll < drop + limited)
      return { status: 429, retryAfterSeconds: faults.retryAfterSeconds ?? 1 };
    if (roll < drop + limited + failed) return { status: 503 };
    return null;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const entry: RequestLogEntry = {
      method: request.method ?? 'GET',
      path: '',
      query: {},
      status: 0,
      at: Date.now(),
    };
    log.push(entry);
    const send = (status: number, body: unknown, contentType?: string) => {
      entry.status = status;
      if (status === 204 || body === undefined) {
        response.writeHead(status).end();
        return;
      }
      if (Buffer.isBuffer(body)) {
        response.writeHead(status, { 'Content-Type': contentType ?? 'application/octet-stream' });
        response.end(body);
        return;
      }
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
      });
      response.end(text);
    };

    const requestLine = `${entry.method} ${request.url ?? '/'} HTTP/1.1`;
    const url = new URL(request.url ?? '/', 'http://simulator');
    entry.path = url.pathname;
    for (const [key, value] of url.searchParams)
      if (!(key in entry.query)) entry.query[key] = value;
    if (requestLine.length > MAX_REQUEST_LINE) {
      send(
        400,
        `Bad Request\nRequest Line is too large (${requestLine.length} > ${MAX_REQUEST_LINE})`,
      );
      return;
    }

    const zouPath = entry.path.startsWith('/api') ? entry.path.slice(4) || '/' : null;
    const matched = zouPath === null ? null : router.match(entry.method, zouPath);
    if (matched) entry.route = `${matched.route.method} ${matched.route.template}`;

    let body: unknown;
    try {
      body = await readJson(request);
    } catch (error) {
      send(
        error instanceof HttpError ? error.status : 400,
        error instanceof HttpError ? error.body : undefined,
      );
      return;
    }
    if (body !== undefined && logBodies) entry.body = body;

    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    // A caller that gave up (timeout) is gone: do nothing, as a real server's write would fail.
    if (request.socket.destroyed) return;

    const hold = takeHold(entry.method, entry.path);
    if (hold && !hold.afterWrite) {
      hold.held();
      return;
    }
    const fault = drawFault(entry.path);
    if (fault && 'drop' in fault) {
      request.socket.destroy();
      return;
    }
    if (fault) {
      if (fault.status === 429) {
        response.setHeader('Retry-After', String(fault.retryAfterSeconds ?? 1));
      }
      send(fault.status, faultBody(fault.status));
      return;
    }

    if (!matched) {
      if (zouPath !== null && router.hasPath(zouPath)) {
        send(405, { message: 'The method is not allowed for the requested URL.' });
      } else {
        send(404, { error: true, message: NOT_FOUND_MESSAGE });
      }
      return;
    }
    try {
      let person: ZouPerson | null = null;
      if (matched.route.auth !== 'none') {
        person = authenticate(request, matched.route.auth);
        entry.personId = person.id;
      }
      const result = matched.route.handler({
        method: entry.method,
        path: zouPath ?? entry.path,
        params: matched.params,
        query: entry.query,
        body,
        person,
      });
      if (hold) {
        hold.held();
        return;
      }
      if (result instanceof Reply) send(result.status, result.body, result.contentType);
      else send(200, result);
    } catch (error) {
      if (error instanceof HttpError) send(error.status, error.body);
      else send(500, { error: true, message: 'Internal server error.', detail: String(error) });
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  const people = store.people;
  const tokens = Object.fromEntries(
    (Object.keys(people) as Array<keyof NamedPeople>).map((name) => [
      name,
      name === 'bot'
        ? // The bot's token is the same for a seed, so a demo can keep it in its config.
          signer.sign({
            sub: people.bot.id,
            type: 'access',
            iat: 0,
            identity_type: 'bot',
            jti: `bot-${seed}`,
          })
        : sign(people[name], 'access', accessLifetime),
    ]),
  ) as SimulatorTokens;

  return {
    url: `http://${host}:${address.port}/api`,
    port: address.port,
    data: store,
    tokens,
    log,
    issueToken,
    issueRefreshToken,
    setFaults: (next) => {
      faults = { ...next };
    },
    injectFaults: (...next) => {
      scripted.push(...next);
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    holdNext: (method, path, hold = {}) =>
      new Promise<void>((held) => {
        holds.push({ method, path, afterWrite: hold.afterWrite ?? false, held });
      }),
    advanceClock: (ms) => {
      clockOffset += ms;
    },
    calls: (route) => (route ? log.filter((entry) => entry.route === route) : [...log]),
    resetLog: () => {
      log.length = 0;
      scripted = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Proxies in front of Zou answer 502/503/504 with HTML; Zou itself answers JSON. */
function faultBody(status: number): unknown {
  if (status === 500) return { error: true, message: 'Internal server error.' };
  if (status === 429) return { error: true, message: 'Too many requests' };
  if (status > 500) {
    const text = {
      502: 'Bad Gateway',
      503: 'Service Temporarily Unavailable',
      504: 'Gateway Timeout',
    };
    const title = `${status} ${text[status as 502 | 503 | 504] ?? 'Error'}`;
    return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`;
  }
  return { error: true, message: `Simulated ${status}` };
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { error: true, message: 'Body too large' });
    chunks.push(buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, {
      error: true,
      message: 'The browser (or proxy) sent a request that this server could not understand.',
    });
  }
}
