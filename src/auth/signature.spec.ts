import { signPayload, signatureHeader, verifySignature } from './signature';

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
    ).toEqual({ ok: true });
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
});
