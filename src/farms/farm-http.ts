import { performance } from 'node:perf_hooks';
import { FarmError, type FarmErrorKind } from './farm.errors';
import type { FarmCallCounts, FarmCallOutcome, FarmStats } from './farm.types';

export type FarmHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface FarmHttpRequest {
  /** Names the call in stats and errors: `submit`, `status`, `cancel`, `ping`, `job types`. */
  operation: string;
  method: FarmHttpMethod;
  /** Path and query below the farm's base URL, e.g. `/api/v3/jobs`. */
  path: string;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FarmHttpAnswer {
  status: number;
  /** Parsed JSON when the answer is JSON, else the text ('' when empty). */
  body: unknown;
  headers: Headers;
}

export interface FarmHttpOptions {
  farm: string;
  baseUrl: string;
  timeoutMs: number;
  /** Sent with every request (e.g. Authorization). */
  headers?: Record<string, string>;
}

const USER_AGENT = 'kitsu-actions';

/**
 * The one way adapters reach a farm: global fetch with a timeout that covers reading the body,
 * failures turned into FarmErrors (transient when no answer came or the farm is overloaded), and
 * a count of calls per operation and outcome. It does not retry: a submission is not idempotent,
 * so the caller's job retries decide, after checking what was already submitted.
 */
export class FarmHttp {
  private readonly counters = new Map<string, FarmCallCounts>();
  readonly baseUrl: string;

  constructor(private readonly options: FarmHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Sends the request and hands the answer to `read`, which returns the result or throws a
   * FarmError (use `errorFor` for statuses it does not handle). Counts the outcome either way.
   */
  async call<T>(request: FarmHttpRequest, read: (answer: FarmHttpAnswer) => T): Promise<T> {
    const started = performance.now();
    try {
      const answer = await this.send(request);
      const value = read(answer);
      this.count(request.operation, 'ok', performance.now() - started);
      return value;
    } catch (error) {
      const failure =
        error instanceof FarmError
          ? error
          : new FarmError(this.options.farm, request.operation, 'protocol', describe(error), {
              cause: error,
            });
      this.count(
        request.operation,
        failure.transient ? 'transient-error' : 'permanent-error',
        performance.now() - started,
      );
      throw failure;
    }
  }

  /** The FarmError an unexpected HTTP status stands for, with the farm's message. */
  errorFor(operation: string, answer: FarmHttpAnswer, message = farmMessageOf(answer)): FarmError {
    const { status } = answer;
    let kind: FarmErrorKind = 'rejected';
    if (status === 503 || status === 429) kind = 'busy';
    else if (status >= 500) kind = 'server';
    else if (status === 404) kind = 'not-found';
    else if (status === 401 || status === 403) kind = 'unauthorized';
    else if (status === 408) kind = 'timeout';
    else if (status < 400) kind = 'protocol';
    return new FarmError(this.options.farm, operation, kind, message, {
      status,
      body: answer.body,
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after')) ?? undefined,
    });
  }

  /** A permanent error about an answer that does not have the shape the farm documents. */
  protocolError(operation: string, what: string, answer?: FarmHttpAnswer): FarmError {
    return new FarmError(this.options.farm, operation, 'protocol', what, {
      status: answer?.status,
      body: answer?.body,
    });
  }

  stats(): FarmStats {
    const total: FarmCallCounts = { ok: 0, permanentError: 0, transientError: 0, totalMs: 0 };
    const byOperation: Record<string, FarmCallCounts> = {};
    for (const [operation, counts] of this.counters) {
      byOperation[operation] = { ...counts };
      total.ok += counts.ok;
      total.permanentError += counts.permanentError;
      total.transientError += counts.transientError;
      total.totalMs += counts.totalMs;
    }
    return { farm: this.options.farm, total, byOperation };
  }

  private async send(request: FarmHttpRequest): Promise<FarmHttpAnswer> {
    const { farm, timeoutMs } = this.options;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
      ...this.options.headers,
      ...request.headers,
    };
    let payload: string | undefined;
    if (request.body !== undefined) {
      payload = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: payload,
        signal: controller.signal,
      });
      const text = await response.text();
      return {
        status: response.status,
        body: parseBody(text, response.headers.get('content-type')),
        headers: response.headers,
      };
    } catch (error) {
      if (controller.signal.aborted) {
        throw new FarmError(
          farm,
          request.operation,
          'timeout',
          `no answer within ${timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw new FarmError(
        farm,
        request.operation,
        'unreachable',
        `cannot reach ${this.baseUrl} (${describeNetworkError(error)})`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private count(operation: string, outcome: FarmCallOutcome, ms: number): void {
    let counts = this.counters.get(operation);
    if (!counts) {
      counts = { ok: 0, permanentError: 0, transientError: 0, totalMs: 0 };
      this.counters.set(operation, counts);
    }
    if (outcome === 'ok') counts.ok++;
    else if (outcome === 'permanent-error') counts.permanentError++;
    else counts.transientError++;
    counts.totalMs += ms;
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return '';
  const looksJson = contentType?.includes('json') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** What a farm said in an error answer: Flamenco `{code, message}`, Afanasy `{error}` or `{info}`, Deadline text. */
export function farmMessageOf(answer: FarmHttpAnswer): string {
  const { body } = answer;
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['message', 'error', 'Message', 'Error']) {
      const value = record[key];
      if (typeof value === 'string' && value.trim()) return value.trim();
    }
    const info = record.info as { text?: unknown } | undefined;
    if (info && typeof info.text === 'string' && info.text.trim()) return info.text.trim();
  }
  if (typeof body === 'string' && body.trim()) {
    const plain = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain;
  }
  return `HTTP ${answer.status}`;
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
  return describe(error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `Basic` credentials for farms behind HTTP basic auth (Deadline Web Service). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
