import { Transform } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import { toInt, validateEnv } from '../config/validate-env';

/** How the service reaches Zou. Without ZOU_URL the service starts, but Zou calls fail clearly. */
export class ZouConfig {
  /** Base URL of Zou's API, with `/api` (e.g. https://kitsu.example.com/api). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  ZOU_URL?: string;

  /** A bot's access token (preferred: bots do not expire and need no password). */
  @IsOptional()
  @IsString()
  ZOU_TOKEN?: string;

  /** Or a person's login, for Zou versions or studios without bots. */
  @IsOptional()
  @IsEmail({ require_tld: false })
  ZOU_EMAIL?: string;

  @IsOptional()
  @IsString()
  ZOU_PASSWORD?: string;

  /** Per-call timeout, including reading the body. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  ZOU_TIMEOUT_MS = 30000;

  /** Calls in flight at once from this process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  ZOU_MAX_CONCURRENCY = 8;

  /** Extra attempts for a transient failure (500 gets at most 2). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  ZOU_RETRIES = 4;

  /** First backoff delay; doubles per attempt, with jitter. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60000)
  ZOU_RETRY_BASE_MS = 250;

  /** Longest wait between two attempts, Retry-After included. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600000)
  ZOU_RETRY_MAX_MS = 30000;

  /** Calls per second from this process (0 = no limit). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000)
  ZOU_RATE_LIMIT = 0;

  /** Calls per second from every process together, counted in Redis (0 = no limit). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000)
  ZOU_GLOBAL_RATE_LIMIT = 0;

  /** Rows per page when walking paged lists. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  ZOU_PAGE_SIZE = 500;

  crossCheck(): string[] {
    const problems: string[] = [];
    const hasLogin = Boolean(this.ZOU_EMAIL || this.ZOU_PASSWORD);
    if (hasLogin && !(this.ZOU_EMAIL && this.ZOU_PASSWORD)) {
      problems.push(
        `${this.ZOU_EMAIL ? 'ZOU_PASSWORD' : 'ZOU_EMAIL'}: must be set with ${this.ZOU_EMAIL ? 'ZOU_EMAIL' : 'ZOU_PASSWORD'}`,
      );
    }
    if (this.ZOU_URL && !this.ZOU_TOKEN && !hasLogin) {
      problems.push(
        'ZOU_TOKEN: set it (a bot token) or ZOU_EMAIL and ZOU_PASSWORD when ZOU_URL is set',
      );
    }
    if (!this.ZOU_URL && (this.ZOU_TOKEN || hasLogin)) {
      problems.push('ZOU_URL: must be set when Zou credentials are given');
    }
    return problems;
  }

  get isConfigured(): boolean {
    return Boolean(this.ZOU_URL);
  }

  /** ZOU_URL without a trailing slash. */
  get baseUrl(): string {
    return (this.ZOU_URL ?? '').replace(/\/+$/, '');
  }
}

export function loadZouConfig(env: Record<string, string | undefined> = process.env): ZouConfig {
  return validateEnv(ZouConfig, env);
}
