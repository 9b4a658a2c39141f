import {
  ZouBadRequestError,
  ZouError,
  ZouForbiddenError,
  ZouNetworkError,
  ZouNotAuthenticatedError,
  ZouNotFoundError,
  ZouRateLimitedError,
  ZouServerError,
  ZouTimeoutError,
  ZouUnexpectedStatusError,
  zouErrorFromResponse,
} from './zou.errors';
import { parseRetryAfter } from './zou-transport';

describe('zouErrorFromResponse', () => {
  const route = 'GET /data/tasks/:id';

  it.each([
    [400, ZouBadRequestError, false],
    [401, ZouNotAuthenticatedError, false],
    [422, ZouNotAuthenticatedError, false],
    [403, ZouForbiddenError, false],
    [404, ZouNotFoundError, false],
    [429, ZouRateLimitedError, true],
    [500, ZouServerError, true],
    [502, ZouServerError, true],
    [503, ZouServerError, true],
    [504, ZouServerError, true],
    [409, ZouUnexpectedStatusError, false],
  ])('maps %i to %p (transient: %p)', (status, type, transient) => {
    const error = zouErrorFromResponse(status, route, { error: true, message: 'nope' }, null);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(ZouError);
    expect(error.status).toBe(status);
    expect(error.route).toBe(route);
    expect(error.isTransient).toBe(transient);
    expect(error.message).toBe(`${route} failed (${status}): nope`);
    expect(error.name).toBe(type.name);
  });

  it("reads Zou's message, JWT's msg, a login refusal and a proxy's HTML", () => {
    expect(zouErrorFromResponse(401, route, { msg: 'Token has expired' }, null).zouMessage).toBe(
      'Token has expired',
    );
    expect(zouErrorFromResponse(400, route, { login: false }, null).zouMessage).toBe(
      'login refused',
    );
    expect(
      zouErrorFromResponse(
        503,
        route,
        '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>',
        null,
      ).zouMessage,
    ).toBe('503 Service Temporarily Unavailable');
    expect(zouErrorFromResponse(502, route, undefined, null).zouMessage).toBe('HTTP 502');
  });

  it('keeps what a 429 asked for', () => {
    const error = zouErrorFromResponse(429, route, {}, 2000) as ZouRateLimitedError;
    expect(error.retryAfterMs).toBe(2000);
  });

  it('marks timeouts and network failures transient, with status 0', () => {
    const timeout = new ZouTimeoutError(route, 100);
    const network = new ZouNetworkError(route, 'ECONNRESET: socket hang up');
    expect([timeout.isTransient, timeout.status, timeout.message]).toEqual([
      true,
      0,
      `${route} failed: no answer within 100 ms`,
    ]);
    expect([network.isTransient, network.status]).toEqual([true, 0]);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
