import { sessionOf } from './caller-auth.service';

const cookie = (n: number) => `theme=dark; access_token_cookie=header.payload${n}.signature`;

describe('sessionOf', () => {
  it('reads a request’s session once, and again for another request with the same headers', () => {
    const headers = { cookie: cookie(1) };
    const call = { headers };
    const first = sessionOf(call);
    expect(first).toEqual({ token: 'header.payload1.signature', key: expect.any(String) });
    expect(first!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionOf(call)).toBe(first);
    const other = sessionOf({ headers });
    expect(other).not.toBe(first);
    expect(other).toEqual(first);
    expect(sessionOf({ headers: {} })).toBeNull();
  });
});
