import { sameIgnoringCase, sessionOf, type CallerCredentials } from '../auth/caller-auth.service';

const MAX_REMEMBERED = 5000;

interface KnownSession {
  personId: string;
  email: string;
  expiresAt: number;
}

/**
 * Which person each Kitsu session proved to be in the last AUTH_CACHE_SECONDS, so the intake can
 * count the address and the person in one Redis call before authentication confirms it again
 * (from its own cache). Only a session Zou confirmed for that very person and email moments ago
 * makes the person known early; anything else takes the path with the address counted first.
 * Tokens are not kept: entries are keyed by the hash of the session token.
 */
export class KnownSessions {
  private readonly sessions = new Map<string, KnownSession>();

  constructor(private readonly ttlMs: number) {}

  /** True when this request's session proved to be this person (and email) moments ago. */
  known(call: Pick<CallerCredentials, 'headers'>, personId: string, email: string): boolean {
    if (this.ttlMs <= 0 || this.sessions.size === 0) return false;
    const key = credentialsKey(call);
    if (!key) return false;
    const entry = this.sessions.get(key);
    if (!entry) return false;
    if (entry.expiresAt <= Date.now()) {
      this.sessions.delete(key);
      return false;
    }
    return entry.personId === personId && sameIgnoringCase(entry.email, email);
  }

  /** Called once authentication accepted this session for this person. */
  remember(call: Pick<CallerCredentials, 'headers'>, personId: string, email: string): void {
    if (this.ttlMs <= 0) return;
    const key = credentialsKey(call);
    if (!key) return;
    this.sessions.delete(key); // re-inserted last, so eviction stays oldest first
    if (this.sessions.size >= MAX_REMEMBERED)
      this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(key, {
      personId,
      email: email.toLowerCase(),
      expiresAt: Date.now() + this.ttlMs,
    });
  }
}

/**
 * The hash of the request's session token, shared with authentication (sessionOf reads it once
 * per request); null without one, or with a malformed cookie, which authentication refuses.
 */
function credentialsKey(call: Pick<CallerCredentials, 'headers'>): string | null {
  try {
    return sessionOf(call)?.key ?? null;
  } catch {
    return null;
  }
}
