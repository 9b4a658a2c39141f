import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';
export const DEFAULT_SIGNING_TOLERANCE_S = 300;

/** Hex HMAC-SHA256 of "<timestamp>.<raw body>", as sent in `X-Kitsu-Actions-Signature: v1=<hex>`. */
export function signPayload(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The full header value for a delivery. */
export function signatureHeader(secret: string, timestamp: number, body: Buffer | string): string {
  return `${SIGNATURE_VERSION}=${signPayload(secret, timestamp, body)}`;
}

export type SignatureVerdict =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifySignatureInput {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  body: Buffer | string;
  toleranceS?: number;
  nowMs?: number;
}

export function verifySignature(input: VerifySignatureInput): SignatureVerdict {
  const { timestampHeader, signatureHeader: header } = input;
  if (!timestampHeader || !header) return { ok: false, reason: 'missing' };
  if (!/^\d{1,15}$/.test(timestampHeader)) return { ok: false, reason: 'malformed' };
  const match = /^v1=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const timestamp = Number(timestampHeader);
  const nowS = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const tolerance = input.toleranceS ?? DEFAULT_SIGNING_TOLERANCE_S;
  if (Math.abs(nowS - timestamp) > tolerance) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signPayload(input.secret, timestamp, input.body), 'hex');
  const given = Buffer.from(match[1].toLowerCase(), 'hex');
  // Both are 32 bytes by construction, so timingSafeEqual cannot throw on length.
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
