import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Access or refresh, as flask-jwt-extended marks them in the `type` claim. */
export type TokenKind = 'access' | 'refresh';

export interface TokenClaims {
  sub: string;
  type: TokenKind;
  jti: string;
  iat: number;
  /** Seconds since the epoch; absent for bot tokens, which never expire. */
  exp?: number;
  identity_type: 'person' | 'bot';
}

/** Why a token was refused, with the status and words Zou (flask-jwt-extended) uses. */
export class TokenError extends Error {
  constructor(
    readonly status: 401 | 422,
    message: string,
  ) {
    super(message);
  }
}

/** HS256 JWTs like Zou's, signed with a key of this simulator run. */
export class TokenSigner {
  constructor(private readonly secret: string) {}

  sign(claims: Omit<TokenClaims, 'jti'> & { jti?: string }): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ jti: randomBytes(8).toString('hex'), ...claims }));
    return `${header}.${payload}.${this.signature(`${header}.${payload}`)}`;
  }

  /** The claims of a valid token of the wanted kind, or a TokenError (422 malformed, 401 expired). */
  verify(token: string, kind: TokenKind, nowMs: number): TokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenError(422, 'Not enough segments');
    const [header, payload, signature] = parts;
    if (!isJsonSegment(header)) throw new TokenError(422, 'Invalid header padding');
    const expected = Buffer.from(this.signature(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new TokenError(422, 'Signature verification failed');
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw new TokenError(422, 'Invalid payload string');
    }
    if (claims.exp !== undefined && claims.exp * 1000 <= nowMs) {
      throw new TokenError(401, 'Token has expired');
    }
    if (claims.type !== kind) {
      throw new TokenError(
        422,
        kind === 'access'
          ? 'Only non-refresh tokens are allowed'
          : 'Only refresh tokens are allowed',
      );
    }
    return claims;
  }

  private signature(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** PyJWT reads the header before the signature: a header that is not base64url JSON fails first. */
function isJsonSegment(segment: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(segment) || segment.length % 4 === 1) return false;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}
