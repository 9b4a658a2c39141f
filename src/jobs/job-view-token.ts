import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, Module } from '@nestjs/common';
import { IsIn, IsOptional, IsString, MinLength } from 'class-validator';

export class JobViewConfig {
  /**
   * Key of the job links handed out at intake; shared by every API replica and the workers. Its
   * own secret: never derived from ACTION_KEY or SIGNING_SECRET, which Kitsu users can read in
   * the action URLs or scripts hold.
   */
  @IsOptional()
  @IsString()
  @MinLength(16)
  JOB_VIEW_SECRET?: string;

  /**
   * The job link in Kitsu comments: `read-only` carries a token that opens the page (no retry) for
   * whoever can read the task's comments; `plain` needs a Kitsu session or the board login.
   */
  @IsIn(['read-only', 'plain'])
  JOB_COMMENT_LINKS: 'read-only' | 'plain' = 'read-only';

  /** Read again here (AppConfig and AuthConfig check them) for the production rule below. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  @IsOptional()
  @IsString()
  AUTH_MODE?: string;

  /** Where no Kitsu session reaches us (shared-secret, signed), a view token is the way back. */
  get tokenIsTheWayBack(): boolean {
    const modes = (this.AUTH_MODE ?? '').split(',').map((mode) => mode.trim());
    return modes.some((m) => m === 'shared-secret' || m === 'signed');
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  crossCheck(): string[] {
    // In production the view token must work on every replica and survive restarts, so it
    // needs its own key.
    return this.isProduction && this.tokenIsTheWayBack && !this.JOB_VIEW_SECRET
      ? [
          'JOB_VIEW_SECRET: set it (16+ random characters, its own secret) when NODE_ENV=production and AUTH_MODE includes shared-secret or signed',
        ]
      : [];
  }
}

/**
 * The `?view=` token on the job link the intake hands out: whoever clicked holds it, so the job
 * page opens for them where no Kitsu session reaches us (shared-secret and signed modes), while
 * other job ids still cannot be probed. An HMAC of the job id, so any replica can check it.
 *
 * A second, read-only kind goes on the link in Kitsu comments, which everyone who can read the
 * task sees: it opens the page, its events and downloads, but does not allow a retry, which would
 * run the action again in the clicker's name.
 */
@Injectable()
export class JobViewTokens {
  private readonly key: Buffer;
  /** The key comes from configuration, so the worker's comment links open on every API. */
  private readonly shared: boolean;
  private readonly commentLinks: JobViewConfig['JOB_COMMENT_LINKS'];

  constructor(config: JobViewConfig) {
    this.shared = Boolean(config.JOB_VIEW_SECRET);
    this.commentLinks = config.JOB_COMMENT_LINKS;
    if (config.JOB_VIEW_SECRET) {
      this.key = createHmac('sha256', config.JOB_VIEW_SECRET)
        .update('kitsu-actions job view')
        .digest();
      return;
    }
    // Links then work on this process only, until it restarts: fine for one API, stated for several.
    this.key = randomBytes(32);
    if (config.isProduction)
      new Logger('JobView').warn(
        'No JOB_VIEW_SECRET: job links are valid on this API process only until it restarts',
      );
  }

  /** The clicker's token: view and retry. */
  token(jobId: string): string {
    return this.hmac(jobId).toString('base64url').slice(0, 32);
  }

  /** The comment link's token: view only. */
  readToken(jobId: string): string {
    return this.hmac(`read:${jobId}`).toString('base64url').slice(0, 32);
  }

  /**
   * HMAC-SHA256 under `key` (RFC 2104) as two one-shot hashes over the padded key blocks prepared
   * once: every click makes a token, and preparing the key on each createHmac, then copying
   * keyed Hash objects, were visible shares of the intake's profile. Equal to
   * createHmac('sha256', key) (a spec holds it so).
   */
  private hmac(message: string): Buffer {
    this.pads ??= paddedKeys(this.key);
    const { inner, outer } = this.pads;
    const innerBlock = Buffer.allocUnsafe(64 + Buffer.byteLength(message));
    inner.copy(innerBlock);
    innerBlock.write(message, 64);
    const outerBlock = Buffer.allocUnsafe(96);
    outer.copy(outerBlock);
    hash('sha256', innerBlock, 'buffer').copy(outerBlock, 64);
    return hash('sha256', outerBlock, 'buffer');
  }

  private pads?: { inner: Buffer; outer: Buffer };

  /** The clicker's token (the one that also allows a retry). */
  verify(jobId: string, given: unknown): boolean {
    return matches(this.token(jobId), given);
  }

  /** Either token: the page, its events and downloads open. */
  allowsViewing(jobId: string, given: unknown): boolean {
    return this.verify(jobId, given) || matches(this.readToken(jobId), given);
  }

  /** `?view=<token>` for links to this job's page, events and downloads. */
  query(jobId: string): string {
    return `?view=${this.token(jobId)}`;
  }

  /**
   * The query for the job link in a Kitsu comment: a read-only token, unless JOB_COMMENT_LINKS is
   * plain or the key is this process's own (an API would not recognise it).
   */
  commentQuery(jobId: string): string {
    return this.shared && this.commentLinks === 'read-only' ? `?view=${this.readToken(jobId)}` : '';
  }
}

/**
 * One JobViewTokens per process: the API (intake, job pages) and the worker (comment links) share
 * it, so in the `all` role without JOB_VIEW_SECRET both hold the same random key.
 */
@Module({ providers: [JobViewTokens], exports: [JobViewTokens] })
export class JobViewModule {}

/** The key's 64-byte block XOR ipad and XOR opad (the key is 32 bytes here). */
function paddedKeys(key: Buffer): { inner: Buffer; outer: Buffer } {
  const block = Buffer.alloc(64);
  (key.length > 64 ? hash('sha256', key, 'buffer') : key).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((b) => b ^ byte));
  return { inner: pad(0x36), outer: pad(0x5c) };
}

function matches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
