import { createHash, timingSafeEqual } from 'node:crypto';
import { Global, Injectable, Logger, Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app.config';
import { EdgeConfig } from '../edge/edge.config';
import { ProducerConnection } from '../queues/producer-connection';

/** What a request's Bull Board credentials come to. */
export type BoardVerdict =
  /** No BOARD_PASSWORD: the board is open (development only; production refuses to start). */
  | { kind: 'open' }
  | { kind: 'granted' }
  /** No credentials were sent. */
  | { kind: 'anonymous' }
  /** Wrong credentials: counted against the address and logged. */
  | { kind: 'denied' }
  /** Too many failures from this address: not even checked until the window ends. */
  | { kind: 'locked'; retryAfterS: number };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The user name as a log may show it: printable, short. */
function loggable(user: string): string {
  return user.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

/**
 * Checks Bull Board's basic-auth credentials wherever they open something (the board, the
 * details of /health/ready, every job in /jobs), and counts failures per client address in
 * Redis so that guessing is slow on every replica: past BOARD_LOGIN_MAX_FAILURES in
 * BOARD_LOGIN_WINDOW_S the address gets 429 without its guesses being checked, so a right guess
 * cannot be told apart either. Each failure is logged with the address and the user name, never
 * the password. If Redis cannot answer, credentials are still checked, only not counted.
 */
@Injectable()
export class BoardLogin {
  private readonly logger = new Logger('Dashboard');
  private readonly expected: Buffer | null;
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    config: AppConfig,
    private readonly edge: EdgeConfig,
  ) {
    const password = config.BOARD_PASSWORD;
    this.expected = password ? digest(`${config.BOARD_USER ?? 'admin'}:${password}`) : null;
    this.prefix = `${config.QUEUE_PREFIX}:board-login`;
  }

  get protected(): boolean {
    return this.expected !== null;
  }

  /** The verdict on a request's `Authorization: Basic` header, from `ip` (as TRUST_PROXY resolves it). */
  async check(
    req: Pick<IncomingMessage, 'headers'>,
    ip: string | undefined,
  ): Promise<BoardVerdict> {
    if (!this.expected) return { kind: 'open' };
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match) return { kind: 'anonymous' };
    const key = `${this.prefix}:${ip ?? 'unknown'}`;
    const locked = await this.lockedFor(key);
    if (locked) return { kind: 'locked', retryAfterS: locked };
    const given = Buffer.from(match[1], 'base64').toString('utf8');
    // Hashing first gives equal lengths, so the comparison takes the same time for any guess.
    if (timingSafeEqual(digest(given), this.expected)) return { kind: 'granted' };
    const colon = given.indexOf(':');
    const user = loggable(colon >= 0 ? given.slice(0, colon) : given);
    this.logger.warn(`Failed dashboard login from ${ip ?? 'unknown'} as "${user}"`);
    await this.countFailure(key);
    return { kind: 'denied' };
  }

  /** Seconds until the address may try again, or 0 while it is within its budget. */
  private async lockedFor(key: string): Promise<number> {
    try {
      const [failures, ttlMs] = await Promise.all([
        this.producer.client.get(key),
        this.producer.client.pttl(key),
      ]);
      if (Number(failures ?? 0) < this.edge.BOARD_LOGIN_MAX_FAILURES) return 0;
      return Math.max(1, Math.ceil(ttlMs / 1000));
    } catch (error) {
      this.logger.warn(`Dashboard login failures not checked: ${(error as Error).message}`);
      return 0;
    }
  }

  private async countFailure(key: string): Promise<void> {
    try {
      // The window starts at the first failure and is not stretched by later ones.
      await this.producer.client
        .multi()
        .set(key, 0, 'PX', this.edge.BOARD_LOGIN_WINDOW_S * 1000, 'NX')
        .incr(key)
        .exec();
    } catch (error) {
      this.logger.warn(`Dashboard login failure not counted: ${(error as Error).message}`);
    }
  }
}

/** The board's credentials check, for the dashboard, health details and the job access policy. */
@Global()
@Module({ providers: [BoardLogin], exports: [BoardLogin] })
export class BoardLoginModule {}
