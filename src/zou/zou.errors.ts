/**
 * Every failure of a Zou call is one of these. `route` names the call by its template
 * (`GET /data/tasks/:id`) so logs and job failures say which call failed without leaking ids
 * into metric labels; `message` carries Zou's own words.
 */
export class ZouError extends Error {
  /** True when trying again later may succeed (network, timeout, 429, 5xx). */
  readonly isTransient: boolean = false;

  constructor(
    /** HTTP status, or 0 when no answer arrived (timeout, network). */
    readonly status: number,
    /** Method and path template, e.g. `GET /data/tasks/:id`. */
    readonly route: string,
    /** What Zou said (its `message`, `msg` or body text), or what went wrong locally. */
    readonly zouMessage: string,
    /** The parsed error body when Zou sent JSON. */
    readonly body?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${route} failed${status ? ` (${status})` : ''}: ${zouMessage}`, options);
    this.name = new.target.name;
  }
}

/** 400: bad parameters or a broken rule (e.g. a duplicate playlist name). Permanent. */
export class ZouBadRequestError extends ZouError {}

/** 401, or 422 for a malformed token, after the one refresh-and-replay. Permanent for this call. */
export class ZouNotAuthenticatedError extends ZouError {}

/** 403: the account may not do this (e.g. not in the project team). Permanent. */
export class ZouForbiddenError extends ZouError {}

/** 404: no such object, or an older Zou without the route. Permanent. */
export class ZouNotFoundError extends ZouError {}

/** 5xx. 502/503/504 are transient; 500 is retried a few times but is still reported as transient. */
export class ZouServerError extends ZouError {
  override readonly isTransient = true;
}

/** 429: Zou or a proxy asks us to slow down; `retryAfterMs` is what it asked for. */
export class ZouRateLimitedError extends ZouError {
  override readonly isTransient = true;
  constructor(
    route: string,
    zouMessage: string,
    readonly retryAfterMs: number | null,
    body?: unknown,
  ) {
    super(429, route, zouMessage, body);
  }
}

/** No answer within ZOU_TIMEOUT_MS. */
export class ZouTimeoutError extends ZouError {
  override readonly isTransient = true;
  constructor(route: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(0, route, `no answer within ${timeoutMs} ms`, undefined, options);
  }
}

/** The connection failed or was cut (refused, reset, DNS...). */
export class ZouNetworkError extends ZouError {
  override readonly isTransient = true;
  constructor(route: string, detail: string, options?: { cause?: unknown }) {
    super(0, route, detail, undefined, options);
  }
}

/** Other statuses Zou is not known to send (e.g. 409, 413): permanent. */
export class ZouUnexpectedStatusError extends ZouError {}

/** ZOU_URL is not set: the service runs, but nothing that needs Zou can. */
export class ZouNotConfiguredError extends ZouError {
  constructor(route: string) {
    super(0, route, 'Zou is not configured: set ZOU_URL and ZOU_TOKEN (or ZOU_EMAIL/ZOU_PASSWORD)');
  }
}

/** Builds the error class that matches an HTTP answer. */
export function zouErrorFromResponse(
  status: number,
  route: string,
  body: unknown,
  retryAfterMs: number | null,
): ZouError {
  const message = messageOf(body, status);
  if (status === 400) return new ZouBadRequestError(status, route, message, body);
  if (status === 401 || status === 422)
    return new ZouNotAuthenticatedError(status, route, message, body);
  if (status === 403) return new ZouForbiddenError(status, route, message, body);
  if (status === 404) return new ZouNotFoundError(status, route, message, body);
  if (status === 429) return new ZouRateLimitedError(route, message, retryAfterMs, body);
  if (status >= 500) return new ZouServerError(status, route, message, body);
  return new ZouUnexpectedStatusError(status, route, message, body);
}

/** Zou says what went wrong in `message` (its own errors) or `msg` (JWT errors); proxies send text. */
function messageOf(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['message', 'msg', 'error']) {
      const value = record[key];
      if (typeof value === 'string' && value) return value;
    }
    if (record.login === false) return 'login refused';
  }
  if (typeof body === 'string' && body.trim()) return summarizeText(body);
  return `HTTP ${status}`;
}

function summarizeText(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}
