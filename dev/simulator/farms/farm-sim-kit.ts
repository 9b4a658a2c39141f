import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** States tests move simulated jobs through; each simulator shows them in its farm's own words. */
export type SimJobState = 'queued' | 'active' | 'paused' | 'completed' | 'failed' | 'canceled';

export interface FarmSimFaults {
  /** The next N requests get the farm's "busy" answer (503 with Retry-After). */
  busy?: number;
  /** Retry-After of busy answers, in seconds (default 2). */
  retryAfterSeconds?: number;
  /** The next N requests have their connection cut without an answer. */
  drop?: number;
}

export interface FarmRequestLogEntry {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, when it was JSON. */
  body?: unknown;
  rawBody: string;
  /** 0 when the connection was cut. */
  status: number;
  /** Whether the farm took the request; `fault` for injected failures. */
  verdict: 'accepted' | 'rejected' | 'fault';
  /** Why it was rejected, in the farm's words. */
  reason?: string;
  at: number;
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON; undefined when the body is empty or not JSON (see `jsonError`). */
  body: unknown;
  jsonError?: string;
}

export interface SimAnswer {
  status: number;
  /** Objects are sent as JSON, strings as text. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to `accepted` for 2xx and `rejected` otherwise. */
  verdict?: 'accepted' | 'rejected';
  reason?: string;
}

export interface FarmSimServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The farm's answer when it is busy (a fault). */
  busyAnswer(retryAfterSeconds: number): SimAnswer;
  /** Called every `tickMs` while the server runs (auto-progress for demos). */
  tick?: { everyMs: number; run(): void };
}

export interface FarmSimServer {
  url: string;
  port: number;
  log: FarmRequestLogEntry[];
  /** While true every connection is cut at once, as if the farm were down behind a proxy. */
  setUnavailable(unavailable: boolean): void;
  setFaults(faults: FarmSimFaults): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** The HTTP plumbing the farm simulators share: body reading, faults, request log, ticking. */
export async function startFarmSimServer(
  options: FarmSimServerOptions,
  handle: (request: SimRequest) => SimAnswer,
): Promise<FarmSimServer> {
  const log: FarmRequestLogEntry[] = [];
  let unavailable = false;
  let faults: Required<FarmSimFaults> = { busy: 0, retryAfterSeconds: 2, drop: 0 };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const entry: FarmRequestLogEntry = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      rawBody: '',
      status: 0,
      verdict: 'fault',
      at: Date.now(),
    };
    log.push(entry);
    if (unavailable || faults.drop > 0) {
      if (!unavailable) faults.drop--;
      request.socket.destroy();
      return;
    }
    const raw = await readBody(request);
    entry.rawBody = raw.toString('utf8');
    let body: unknown;
    let jsonError: string | undefined;
    if (entry.rawBody.trim() !== '') {
      try {
        body = JSON.parse(entry.rawBody) as unknown;
        entry.body = body;
      } catch (error) {
        jsonError = error instanceof Error ? error.message : String(error);
      }
    }
    let answer: SimAnswer;
    if (faults.busy > 0) {
      faults.busy--;
      answer = options.busyAnswer(faults.retryAfterSeconds);
      entry.verdict = 'fault';
    } else {
      try {
        answer = handle({
          method: entry.method,
          path: entry.path,
          query: url.searchParams,
          headers: request.headers,
          rawBody: entry.rawBody,
          body,
          jsonError,
        });
      } catch (error) {
        answer = { status: 500, body: `simulator error: ${String(error)}`, verdict: 'rejected' };
      }
      entry.verdict = answer.verdict ?? (answer.status < 300 ? 'accepted' : 'rejected');
      entry.reason = answer.reason;
    }
    entry.status = answer.status;
    const headers: Record<string, string> = { ...answer.headers };
    let text = '';
    if (answer.body !== undefined) {
      const isText = typeof answer.body === 'string';
      text = isText ? (answer.body as string) : JSON.stringify(answer.body);
      headers['Content-Type'] ??= isText ? 'text/plain; charset=utf-8' : 'application/json';
    }
    response.writeHead(answer.status, headers);
    response.end(text);
  };

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
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
  const ticker = options.tick ? setInterval(options.tick.run, options.tick.everyMs) : undefined;
  ticker?.unref();
  const address = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    log,
    setUnavailable(value) {
      unavailable = value;
    },
    setFaults(next) {
      faults = {
        busy: next.busy ?? 0,
        retryAfterSeconds: next.retryAfterSeconds ?? 2,
        drop: next.drop ?? 0,
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        clearInterval(ticker);
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Tasks a frame range splits into with `perTask` frames each. */
export function chunkCount(frames: number, perTask: number): number {
  return Math.max(1, Math.ceil(frames / Math.max(1, perTask)));
}

export function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, Math.round(value)));
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Where a submission first holds text with a control character (`JobInfo.Name`), or null. Real
 * farms take such text and then write it into line-based job files and logs; the simulators
 * refuse it so a test notices when an unchecked name slips through.
 */
export function controlCharacterAt(value: unknown, where = ''): string | null {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? where || 'value' : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = controlCharacterAt(item, `${where}[${index}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (CONTROL_CHARACTER.test(key)) return `${where} key`;
      const found = controlCharacterAt(item, where ? `${where}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/** Why a path the farm is asked to read or write looks like an escape, or null (simulator check). */
export function pathHazard(path: unknown): string | null {
  if (typeof path !== 'string') return null;
  if (path.split(/[\\/]/).includes('..')) return 'has a ".." segment';
  return null;
}
