import { requestSignatureHeader, signPayload, signatureHeader, verifySignature } from './signature';

describe('signature', () => {
  const secret = 'test-secret';
  const nowMs = 1_800_000_000_000;
  const ts = Math.floor(nowMs / 1000);
  const body = '{"personid":"p1"}';

  it('accepts a fresh, untampered signature', () => {
    expect(
      verifySignature({
        secret,
        timestampHeader: String(ts),
        signatureHeader: signatureHeader(secret, ts, body),
        body,
        nowMs,
      }),
    ).toEqual({ ok: true, timestamp: ts });
  });

  it('rejects a tampered body', () => {
    const verdict = verifySignature({
      secret,
      timestampHeader: String(ts),
      signatureHeader: signatureHeader(secret, ts, body),
      body: body + ' ',
      nowMs,
    });
    expect(verdict).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects a stale timestamp outside the tolerance', () => {
    const old = ts - 301;
    const verdict = verifySignature({
      secret,
      timestampHeader: String(old),
      signatureHeader: signatureHeader(secret, old, body),
      body,
      nowMs,
    });
    expect(verdict).toEqual({ ok: false, reason: 'stale' });
  });

  it('reports missing and malformed headers', () => {
    const base = { secret, body, nowMs };
    expect(
      verifySignature({ ...base, timestampHeader: undefined, signatureHeader: 'v1=ab' }),
    ).toEqual({ ok: false, reason: 'missing' });
    expect(
      verifySignature({ ...base, timestampHeader: String(ts), signatureHeader: 'v1=zz' }),
    ).toEqual({ ok: false, reason: 'malformed' });
  });

  it('signs "<timestamp>.<body>" so buffer and string bodies agree', () => {
    expect(signPayload(secret, ts, Buffer.from(body))).toBe(signPayload(secret, ts, body));
  });

  describe('request scheme (v2): method, path and query are signed too', () => {
    const target = { method: 'POST', target: '/actions/notify?text=hi' };
    const verify = (header: string, request = target, given = body) =>
      verifySignature({
        secret,
        timestampHeader: String(ts),
        signatureHeader: header,
        body: given,
        request,
        nowMs,
      });

    it('accepts the request it was made for', () => {
      expect(verify(requestSignatureHeader(secret, ts, target, body))).toEqual({
        ok: true,
        timestamp: ts,
      });
    });

    it.each([
      ['another path', { method: 'POST', target: '/actions/render?text=hi' }],
      ['another variant', { method: 'POST', target: '/actions/notify/all?text=hi' }],
      ['another query', { method: 'POST', target: '/actions/notify?text=bye' }],
      ['no query', { method: 'POST', target: '/actions/notify' }],
      ['another method', { method: 'PUT', target: '/actions/notify?text=hi' }],
    ])('refuses it moved to %s', (_name, moved) => {
      expect(verify(requestSignatureHeader(secret, ts, target, body), moved)).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('cannot be confused by moving bytes between path and body', () => {
      const header = requestSignatureHeader(secret, ts, { method: 'POST', target: '/a.b' }, 'x');
      expect(verify(header, { method: 'POST', target: '/a' }, 'b.x')).toMatchObject({ ok: false });
    });

    it('refuses a body-only (v1) signature as malformed', () => {
      expect(verify(signatureHeader(secret, ts, body))).toEqual({ ok: false, reason: 'malformed' });
    });
  });
});
