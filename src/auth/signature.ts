import { createHmac, timingSafeEqual } from 'node:crypto';

/** Forward deliveries (outgoing): HMAC of "<timestamp>.<raw body>". */
export const SIGNATURE_VERSION = 'v1';
/** Requests to /actions in `signed` mode: HMAC of timestamp, method, path and query, then body. */
export const REQUEST_SIGNATURE_VERSION = 'v2';
export const DEFAULT_SIGNING_TOLERANCE_S = 300;
/** Headers of a signed request, both ways (forward deliveries and signed clicks). */
export const TIMESTAMP_HEADER = 'x-kitsu-actions-timestamp';
export const SIGNATURE_HEADER = 'x-kitsu-actions-signature';

/** Hex HMAC-SHA256 of "<timestamp>.<raw body>", as sent in `X-Kitsu-Actions-Signature: v1=<hex>`. */
export function signPayload(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The full header value for a delivery. */
export function signatureHeader(secret: string, timestamp: number, body: Buffer | string): string {
  return `${SIGNATURE_VERSION}=${signPayload(secret, timestamp, body)}`;
}

/** What a signed request is sent to: its method and the path with its query, as on the request line. */
export interface SignedTarget {
  method: string;
  /** e.g. `/actions/notify?text=hi`, byte for byte as sent (no decoding, no reordering). */
  target: string;
}

/**
 * Hex HMAC-SHA256 of "<timestamp>\n<METHOD>\n<path?query>\n<raw body>". Newlines cannot occur
 * in a timestamp, a method or a request target, so no two requests share a signed string: a
 * signature for one action, variant or query cannot be moved to another.
 */
export function signRequest(
  secret: string,
  timestamp: number,
  { method, target }: SignedTarget,
  body: Buffer | string,
): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}\n${method.toUpperCase()}\n${target}\n`)
    .update(body)
    .digest('hex');
}

/** The full `X-Kitsu-Actions-Signature` value for a request to this service. */
export function requestSignatureHeader(
  secret: string,
  timestamp: number,
  target: SignedTarget,
  body: Buffer | string,
): string {
  return `${REQUEST_SIGNATURE_VERSION}=${signRequest(secret, timestamp, target, body)}`;
}

export type SignatureVerdict =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifySignatureInput {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  body: Buffer | string;
  /** Given: the request scheme (v2, method, path and query signed); absent: a delivery (v1). */
  request?: SignedTarget;
  toleranceS?: number;
  nowMs?: number;
}

export function verifySignature(input: VerifySignatureInput): SignatureVerdict {
  const { timestampHeader, signatureHeader: header } = input;
  if (!timestampHeader || !header) return { ok: false, reason: 'missing' };
  if (!/^\d{1,15}$/.test(timestampHeader)) return { ok: false, reason: 'malformed' };
  const version = input.request ? REQUEST_SIGNATURE_VERSION : SIGNATURE_VERSION;
  const match = new RegExp(`^${version}=([0-9a-f]{64})$`, 'i').exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed' };
  const timestamp = Number(timestampHeader);
  const nowS = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const tolerance = input.toleranceS ?? DEFAULT_SIGNING_TOLERANCE_S;
  if (Math.abs(nowS - timestamp) > tolerance) return { ok: false, reason: 'stale' };
  const hex = input.request
    ? signRequest(input.secret, timestamp, input.request, input.body)
    : signPayload(input.secret, timestamp, input.body);
  const expected = Buffer.from(hex, 'hex');
  const given = Buffer.from(match[1].toLowerCase(), 'hex');
  // Both are 32 bytes by construction, so timingSafeEqual cannot throw on length.
  return timingSafeEqual(expected, given)
    ? { ok: true, timestamp }
    : { ok: false, reason: 'mismatch' };
}
