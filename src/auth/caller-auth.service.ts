import { hash, timingSafeEqual } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type OnModuleInit,
} from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { KitsuActionRequest } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ProducerConnection } from '../queues/producer-connection';
import { ZouClient } from '../zou/zou.client';
import { ZouError } from '../zou/zou.errors';
import type { ZouPerson } from '../zou/zou.types';
import { TtlCache } from '../zou/ttl-cache';
import { AUTH_RENEW_AHEAD_SHARE, AuthConfig } from './auth.config';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './signature';
import { zouOutage } from './zou-outage';

const SESSION_COOKIE = 'access_token_cookie';
const MAX_CACHED_VERDICTS = 5000;

/** One-shot: no Hash object per call (a session's hash is taken on every click). */
function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** Hashes of the configured secrets: a handful, hashed once instead of on every request. */
const expectedHashes = new Map<string, Buffer>();

/** Equal-time comparison whatever the lengths: both sides are hashed first. */
export function secretsMatch(given: string, expected: string): boolean {
  let expectedHash = expectedHashes.get(expected);
  if (!expectedHash) {
    expectedHash = sha256(expected);
    if (expectedHashes.size < 64) expectedHashes.set(expected, expectedHash);
  }
  return timingSafeEqual(sha256(given), expectedHash);
}

/** What a request shows to prove its caller, whichever HTTP layer read it. */
export interface CallerCredentials {
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The body as received, for `signed` mode. */
  rawBody?: Buffer;
  /** The request method and target (path and query as on the request line), for `signed` mode. */
  method: string;
  target: string;
}

/** Kitsu's session JWT from its cookie (same-host deployment) or a Bearer header. */
export function sessionToken(req: Pick<CallerCredentials, 'headers'>): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value ? decodeCookieValue(value) : null;
    }
  }
  return null;
}

/** A request's session token and its SHA-256 (the key its verdict is cached under). */
export interface SessionOfRequest {
  token: string;
  key: string;
}

/**
 * Where sessionOf keeps a request's session once read: on the object the request came as (the
 * intake's call, or Express's request), which dies with the request. Not in a WeakMap keyed by
 * each request's headers: V8's minor GCs left that long-lived map's entries alone, so every
 * request's session and headers outlived it, were copied to the old generation and waited for a
 * full GC; under load, scavenges took twice as long (docs/benchmarks.md).
 */
const SESSION = Symbol('kitsu-session');

type SessionHolder = Pick<CallerCredentials, 'headers'> & {
  [SESSION]?: SessionOfRequest | null;
};

/**
 * The request's Kitsu session, or null; a malformed cookie throws sessionToken's 400. Read once
 * per request object: the intake asks twice, and the hash costs.
 */
export function sessionOf(req: Pick<CallerCredentials, 'headers'>): SessionOfRequest | null {
  const holder = req as SessionHolder;
  let session = holder[SESSION];
  if (session === undefined) {
    const token = sessionToken(req);
    session = token ? { token, key: hash('sha256', token, 'hex') } : null;
    holder[SESSION] = session;
  }
  return session;
}

/**
 * Equal once lower-cased, without lower-casing when they are equal as they are (the usual case:
 * Zou's ids and emails as the page sends them): toLowerCase copies even an unchanged string.
 */
export function sameIgnoringCase(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** A cookie value's percent-escapes decoded; a malformed one is the caller's 400, not a URIError. */
function decodeCookieValue(value: string): string {
  // Without a percent sign there is nothing to decode (and nothing to fail on): the JWT case.
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new BadRequestException({
      message: `The ${SESSION_COOKIE} cookie is not valid percent-encoded UTF-8`,
      errors: [{ field: `cookie ${SESSION_COOKIE}`, reason: 'is not valid percent-encoded UTF-8' }],
    });
  }
}

/**
 * Checks that the caller of an action is who the request claims. Kitsu signs nothing, so the
 * proof is its own session (verified by Zou) or a shared secret in the action URL. Tokens are
 * never stored: verdicts are cached under a hash of the token.
 */
@Injectable()
export class CallerAuth implements OnModuleInit {
  private readonly logger = new Logger('Auth');
  /** Zou's verdict on each session (the person, or null), by a hash of its token. */
  private readonly verdicts: TtlCache<ZouPerson | null>;
  /** Redis keys of the signatures already used, shared by every API replica. */
  private readonly usedSignaturePrefix: string;

  constructor(
    private readonly zou: ZouClient,
    private readonly producer: ProducerConnection,
    app: AppConfig,
    readonly config: AuthConfig,
  ) {
    this.usedSignaturePrefix = `${app.QUEUE_PREFIX}:signed-used`;
    this.verdicts = new TtlCache(config.AUTH_CACHE_SECONDS * 1000, {
      maxEntries: MAX_CACHED_VERDICTS,
      renewAheadShare: AUTH_RENEW_AHEAD_SHARE,
    });
  }

  onModuleInit(): void {
    if (this.config.modes.includes('none')) {
      this.logger.warn(
        'AUTH_MODE=none: anyone who reaches /actions can act as any person (development only)',
      );
    }
  }

  async verify(req: CallerCredentials, request: KitsuActionRequest, action: string): Promise<void> {
    for (const mode of this.config.modes) {
      if (mode === 'shared-secret') this.checkKey(req, action);
      if (mode === 'kitsu-session') await this.checkSession(req, request);
      if (mode === 'signed') await this.checkSignature(req);
    }
  }

  private checkKey(req: CallerCredentials, action: string): void {
    const expected = this.config.keyFor(action);
    const given = typeof req.query.key === 'string' ? req.query.key : '';
    if (!expected || !given) {
      throw new UnauthorizedException('This action needs its key (?key= on the action URL)');
    }
    if (!secretsMatch(given, expected)) throw new UnauthorizedException('The action key is wrong');
  }

  private async checkSignature(req: CallerCredentials): Promise<void> {
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const signature = header(SIGNATURE_HEADER);
    const verdict = verifySignature({
      secret: this.config.SIGNING_SECRET!,
      timestampHeader: header(TIMESTAMP_HEADER),
      signatureHeader: signature,
      body: req.rawBody ?? '',
      request: { method: req.method, target: req.target },
      toleranceS: this.config.SIGNING_TOLERANCE_S,
    });
    if (!verdict.ok) {
      const reasons = {
        missing: `The request must carry ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`,
        malformed: `${SIGNATURE_HEADER} must look like v2=<hex> (v1, which signed the body only, is no longer accepted here)`,
        stale: 'The signed request is too old or from the future',
        mismatch: 'The signature does not match the method, path, query and body',
      };
      throw new UnauthorizedException(reasons[verdict.reason]);
    }
    await this.useSignatureOnce(signature!, verdict.timestamp);
  }

  /**
   * A signature is good for one request: the first use claims it in Redis (SET NX) until its
   * timestamp leaves the tolerance window, after which the timestamp alone refuses it. Redis
   * holds the claim, so a replay to another API replica is refused too.
   */
  private async useSignatureOnce(signature: string, timestamp: number): Promise<void> {
    // The hex digest alone (upper or lower case), so a re-cased header is the same signature.
    const hex = signature.trim().split('=')[1].toLowerCase();
    const nowS = Math.floor(Date.now() / 1000);
    const ttlS = Math.max(1, timestamp + this.config.SIGNING_TOLERANCE_S - nowS + 1);
    let first: string | null;
    try {
      first = await this.producer.client.set(
        `${this.usedSignaturePrefix}:${hex}`,
        '1',
        'EX',
        ttlS,
        'NX',
      );
    } catch (error) {
      // Without Redis nobody can tell a replay from a first use: refuse rather than guess.
      this.logger.warn(`Signature replay check failed: ${(error as Error).message}`);
      throw new ServiceUnavailableException({
        message: 'Could not check that this signed request is new; try again shortly',
        retryAfter: 5,
      });
    }
    if (first !== 'OK') {
      throw new ConflictException({
        rule: 'signature-replay',
        message:
          'This signed request was already received (replay refused): sign every request afresh, with a new timestamp',
      });
    }
  }

  private async checkSession(req: CallerCredentials, request: KitsuActionRequest): Promise<void> {
    const session = sessionOf(req);
    if (!session) {
      throw new UnauthorizedException(
        'A Kitsu session is required (the access_token_cookie cookie or an Authorization: Bearer token)',
      );
    }
    const user = await this.sessionUser(session);
    if (!user) throw new UnauthorizedException('The Kitsu session is expired or invalid');
    if (!sameIgnoringCase(user.id, request.personId)) {
      throw new ForbiddenException(
        'The Kitsu session belongs to another person than the request names',
      );
    }
    if (!sameIgnoringCase(user.email ?? '', request.personEmail)) {
      throw new ForbiddenException('The email in the request is not the session’s');
    }
  }

  /** The person whose Kitsu session the request carries (cookie or Bearer), or null. */
  async sessionPerson(req: Pick<CallerCredentials, 'headers'>): Promise<ZouPerson | null> {
    const session = sessionOf(req);
    return session ? this.sessionUser(session) : null;
  }

  /** Concurrent checks of one session share one Zou call; see TtlCache for renewal. */
  private sessionUser({ token, key }: SessionOfRequest): Promise<ZouPerson | null> {
    return this.verdicts.get(key, () => this.askZouAbout(token));
  }

  private async askZouAbout(token: string): Promise<ZouPerson | null> {
    try {
      return (await this.zou.authenticatedAs(token))?.user ?? null;
    } catch (error) {
      const reason = error instanceof ZouError ? error.message : 'Kitsu did not answer';
      this.logger.warn(`Session check failed: ${reason}`);
      // Name what is missing (which part of Zou failed), not an "Internal error".
      throw new ServiceUnavailableException({
        message: `Kitsu could not confirm the session: ${zouOutage(error)}. Try again shortly.`,
        missing: 'session-confirmation',
        retryAfter: 5,
      });
    }
  }
}
