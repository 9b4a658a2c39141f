import { CallLimiter, delay } from './call-limiter';
import type { CallGate } from './shared-rate-gate';
import type { ZouConfig } from './zou.config';
import {
  ZouError,
  ZouNetworkError,
  ZouNotAuthenticatedError,
  ZouNotConfiguredError,
  ZouRateLimitedError,
  ZouTimeoutError,
  zouErrorFromResponse,
} from './zou.errors';
import type { ZouLoginResponse } from './zou.types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `retry` is an attempt that failed and was tried again (transient fault or token renewal). */
export type ZouCallOutcome = 'ok' | 'error' | 'retry';
export type ZouOnCall = (route: string, outcome: ZouCallOutcome, ms: number) => void;

export interface ZouRouteStats {
  ok: number;
  error: number;
  retries: number;
  totalMs: number;
}

export interface ZouStats {
  /** HTTP requests sent, retries and token renewals included. */
  total: number;
  byRoute: Record<string, ZouRouteStats>;
}

/** What the client logs; Nest's Logger fits. */
export interface ZouLogger {
  warn(message: string): void;
  debug?(message: string): void;
}

/** Whose token a call carries. */
export type ZouAuth =
  | { kind: 'service' }
  | { kind: 'caller'; token: string }
  | { kind: 'refresh'; token: string }
  | { kind: 'none' };

export type QueryValue = string | number | boolean | string[] | null | undefined;

export interface ZouRequest {
  method: HttpMethod;
  /** Path template below ZOU_URL, e.g. `/data/tasks/:id`; it names the call in stats and errors. */
  route: string;
  params?: Record<string, string>;
  /** A list becomes Zou's JSON list filter (`id=["a","b"]`). */
  query?: Record<string, QueryValue>;
  body?: unknown;
  auth?: ZouAuth;
  /**
   * A POST that may be sent twice without harm (login, adding couples to a playlist). Other POSTs
   * are retried only on 429 and 503, when Zou did not act; a cut connection or a timeout could
   * hide a comment that was made, so those go back to the caller (whose job retries idempotently).
   */
  idempotent?: boolean;
}

interface RawAnswer {
  status: number;
  body: unknown;
  retryAfterMs: number | null;
}

/** An answer (any status) or why none came. */
type Exchange =
  | { answer: RawAnswer; error?: undefined; ms: number }
  | { answer?: undefined; error: ZouError; ms: number };

const USER_AGENT = 'kitsu-actions';

/**
 * One HTTP exchange with Zou at a time per call: authentication (bot token or login + refresh,
 * single-flight), per-call timeout, concurrency and rate limits, retries with backoff, and
 * counters. Node's global fetch keeps connections alive through undici's global agent.
 */
export class ZouTransport {
  private readonly limiter: CallLimiter;
  private accessToken: string | null;
  private refreshToken: string | null = null;
  private renewal: Promise<void> | null = null;
  private counters = new Map<string, ZouRouteStats>();
  private totalRequests = 0;
  onCall?: ZouOnCall;
  /** A budget shared with other processes (ZOU_GLOBAL_RATE_LIMIT); none by default. */
  gate?: CallGate;

  constructor(
    private readonly config: ZouConfig,
    private readonly logger?: ZouLogger,
  ) {
    this.limiter = new CallLimiter(config.ZOU_MAX_CONCURRENCY, config.ZOU_RATE_LIMIT);
    this.accessToken = config.ZOU_TOKEN ?? null;
  }

  get concurrency(): number {
    return this.config.ZOU_MAX_CONCURRENCY;
  }

  async request<T>(request: ZouRequest): Promise<T> {
    const route = `${request.method} ${request.route}`;
    if (!this.config.isConfigured) throw new ZouNotConfiguredError(route);
    const auth = request.auth ?? { kind: 'service' };
    let renewed = false;
    let retries = 0;
    for (;;) {
      const token = await this.tokenFor(auth);
      const exchange = await this.send(request, route, token);
      if (exchange.answer && exchange.answer.status < 400) {
        this.count(route, 'ok', exchange.ms);
        return exchange.answer.body as T;
      }
      const error =
        exchange.error ??
        zouErrorFromResponse(
          exchange.answer.status,
          route,
          exchange.answer.body,
          exchange.answer.retryAfterMs,
        );
      if (
        error instanceof ZouNotAuthenticatedError &&
        auth.kind === 'service' &&
        !renewed &&
        this.canRenew()
      ) {
        renewed = true;
        this.count(route, 'retry', exchange.ms);
        await this.renewAfter(token);
        continue;
      }
      if (this.shouldRetry(error, request, retries)) {
        this.count(route, 'retry', exchange.ms);
        const wait = this.backoff(
          retries,
          error instanceof ZouRateLimitedError ? error.retryAfterMs : null,
        );
        retries++;
        this.logger?.debug?.(`${error.message}; retry ${retries} in ${Math.round(wait)} ms`);
        await delay(wait);
        continue;
      }
      this.count(route, 'error', exchange.ms);
      throw error;
    }
  }

  stats(): ZouStats {
    const byRoute: Record<string, ZouRouteStats> = {};
    for (const [route, counts] of this.counters) byRoute[route] = { ...counts };
    return { total: this.totalRequests, byRoute };
  }

  resetStats(): void {
    this.counters = new Map();
    this.totalRequests = 0;
  }

  /** Forgets the tokens got by login, so the next call logs in again. */
  forgetSession(): void {
    if (!this.config.ZOU_TOKEN) this.accessToken = null;
    this.refreshToken = null;
  }

  /** One HTTP exchange; `ms` is time on the wire, not time spent waiting for a slot. */
  private async send(request: ZouRequest, route: string, token: string | null): Promise<Exchange> {
    const url = this.urlOf(request);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const timeoutMs = this.config.ZOU_TIMEOUT_MS;
    return this.limiter.run(async () => {
      if (this.gate) await this.gate.wait();
      const started = performance.now();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        const response = await fetch(url, {
          method: request.method,
          headers,
          body,
          signal: controller.signal,
        });
        const text = await response.text();
        const answer = {
          status: response.status,
          body: parseBody(text, response.headers.get('content-type')),
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        };
        return { answer, ms: performance.now() - started };
      } catch (cause) {
        const error = controller.signal.aborted
          ? new ZouTimeoutError(route, timeoutMs, { cause })
          : new ZouNetworkError(route, describeNetworkError(cause), { cause });
        return { error, ms: performance.now() - started };
      } finally {
        clearTimeout(timer);
      }
    });
  }

  private urlOf(request: ZouRequest): string {
    const path = request.route.replace(/:([A-Za-z_]+)/g, (_, name: string) => {
      const value = request.params?.[name];
      if (value === undefined) throw new Error(`${request.route}: no value for :${name}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      search.set(key, Array.isArray(value) ? JSON.stringify(value) : String(value));
    }
    const query = search.toString();
    return `${this.config.baseUrl}${path === '/' ? '/' : path}${query ? `?${query}` : ''}`;
  }

  private shouldRetry(error: ZouError, request: ZouRequest, attempt: number): boolean {
    if (!error.isTransient) return false;
    const retries = this.config.ZOU_RETRIES;
    const unsafe = request.method === 'POST' && !request.idempotent;
    if (unsafe && error.status !== 429 && error.status !== 503) return false;
    // A 500 is usually a bug on Zou's side that a second try will not fix; try a little only.
    if (error.status === 500) return attempt < Math.min(2, retries);
    return attempt < retries;
  }

  /** Exponential backoff with equal jitter; a Retry-After is a floor, ZOU_RETRY_MAX_MS a ceiling. */
  private backoff(attempt: number, retryAfterMs: number | null): number {
    const exponential = this.config.ZOU_RETRY_BASE_MS * 2 ** attempt;
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(Math.max(jittered, retryAfterMs ?? 0), this.config.ZOU_RETRY_MAX_MS);
  }

  private count(route: string, outcome: ZouCallOutcome, ms: number): void {
    let counts = this.counters.get(route);
    if (!counts) {
      counts = { ok: 0, error: 0, retries: 0, totalMs: 0 };
      this.counters.set(route, counts);
    }
    if (outcome === 'ok') counts.ok++;
    else if (outcome === 'error') counts.error++;
    else counts.retries++;
    counts.totalMs += ms;
    this.totalRequests++;
    try {
      this.onCall?.(route, outcome, ms);
    } catch (error) {
      this.logger?.warn(`onCall hook failed: ${String(error)}`);
    }
  }

  // --- authentication -------------------------------------------------------------------------

  private async tokenFor(auth: ZouAuth): Promise<string | null> {
    if (auth.kind === 'none') return null;
    if (auth.kind === 'caller' || auth.kind === 'refresh') return auth.token;
    if (this.accessToken) return this.accessToken;
    if (!this.config.ZOU_EMAIL) return null; // Zou answers 401, which says what is missing
    await this.renewAfter(null);
    return this.accessToken;
  }

  /** A static bot token cannot be renewed; a login session can. */
  private canRenew(): boolean {
    return Boolean(this.config.ZOU_EMAIL && this.config.ZOU_PASSWORD);
  }

  /**
   * Gets a fresh access token once for all the calls that saw `staleToken` fail: concurrent 401s
   * share one renewal, and a call that fails after another already renewed just replays.
   */
  private async renewAfter(staleToken: string | null): Promise<void> {
    if (this.accessToken !== staleToken && this.accessToken !== null) return;
    this.renewal ??= this.renew().finally(() => {
      this.renewal = null;
    });
    await this.renewal;
  }

  private async renew(): Promise<void> {
    if (this.refreshToken) {
      try {
        const refreshed = await this.request<{ access_token: string }>({
          method: 'GET',
          route: '/auth/refresh-token',
          auth: { kind: 'refresh', token: this.refreshToken },
        });
        this.accessToken = refreshed.access_token;
        return;
      } catch (error) {
        if (!(error instanceof ZouNotAuthenticatedError)) throw error;
        this.logger?.warn('Zou refresh token refused; logging in again');
        this.refreshToken = null;
      }
    }
    await this.login();
  }

  private async login(): Promise<void> {
    const route = 'POST /auth/login';
    let answer: ZouLoginResponse;
    try {
      answer = await this.request<ZouLoginResponse>({
        method: 'POST',
        route: '/auth/login',
        auth: { kind: 'none' },
        body: { email: this.config.ZOU_EMAIL, password: this.config.ZOU_PASSWORD },
        idempotent: true,
      });
    } catch (error) {
      if (error instanceof ZouError && !error.isTransient) {
        throw new ZouNotAuthenticatedError(
          error.status,
          route,
          `login as ZOU_EMAIL refused (${error.zouMessage}); check ZOU_EMAIL and ZOU_PASSWORD`,
          error.body,
          { cause: error },
        );
      }
      throw error;
    }
    if (!answer?.access_token) {
      throw new ZouNotAuthenticatedError(200, route, 'login answered without an access token');
    }
    this.accessToken = answer.access_token;
    this.refreshToken = answer.refresh_token ?? null;
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  const looksJson = contentType?.includes('json') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code || cause?.message) return [cause.code, cause.message].filter(Boolean).join(': ');
  return error instanceof Error ? error.message : String(error);
}
