import { LOG_LEVELS } from '../logging/logging.config';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toBool, toInt, toList, validateEnv } from './validate-env';

const URL_OPTIONS = { require_tld: false, require_protocol: true };

/** Core settings every role reads. Feature modules keep their own config classes beside them. */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '0.0.0.0';

  @IsUrl({ ...URL_OPTIONS, protocols: ['redis', 'rediss'] })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Redis key prefix of every queue; wrap in {braces} for Redis Cluster hash tags. */
  @Matches(/^[A-Za-z0-9_{}.-]+$/, { message: 'letters, digits, _ . - and {} only' })
  QUEUE_PREFIX = 'kitsu-actions';

  /** Where browsers reach this service; used in links (job pages, comments). */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  PUBLIC_URL?: string;

  /** The Kitsu web app, for links back into Kitsu. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  KITSU_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  MAX_SELECTION = 5000;

  /** Request body limit, in bytes or with a unit (e.g. 1mb, 512kb). */
  @Matches(/^\d+(b|kb|mb)?$/i, { message: 'a size such as 1048576, 512kb or 1mb' })
  BODY_LIMIT = '1mb';

  /**
   * Kitsu's AJAX clicks are answered from Node's HTTP server with the same checks, skipping
   * Express's router and Nest's per-request pipeline (src/intake/intake-fast-lane.ts). Off sends
   * every click through the Nest route, for comparison or diagnosis.
   */
  @Transform(toBool)
  @IsBoolean()
  INTAKE_FAST_LANE = true;

  /** Seconds during which the same person, action and selection give back the same job. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400)
  DEDUPE_WINDOW = 10;

  /** Queues this worker process consumes; `all` or a comma list. */
  @Transform(toList)
  @IsString({ each: true })
  WORKERS: string[] = ['all'];

  @IsOptional()
  @IsString()
  BOARD_USER?: string = 'admin';

  @IsOptional()
  @IsString()
  @MinLength(8)
  BOARD_PASSWORD?: string;

  /**
   * Strict-Transport-Security max-age in seconds; 0 sends no header. The header binds every
   * service of the host name to HTTPS, so it is off unless asked for: the proxy in front of the
   * whole host (Kitsu's nginx) is the better place for it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(63072000)
  HSTS_MAX_AGE = 0;

  /** pino's levels; `silent` turns logging off (the tests use it). */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL = 'info';

  crossCheck(): string[] {
    const problems: string[] = [];
    if (this.NODE_ENV === 'production' && !this.BOARD_PASSWORD) {
      problems.push(
        'BOARD_PASSWORD: must be set when NODE_ENV=production (it protects the Bull Board dashboard at /admin/queues)',
      );
    }
    return problems;
  }

  /** BODY_LIMIT in bytes (units are binary, as Express reads them). */
  get bodyLimitBytes(): number {
    const [, digits, unit] = /^(\d+)(b|kb|mb)?$/i.exec(this.BODY_LIMIT)!;
    const scale = { b: 1, kb: 1024, mb: 1024 * 1024 }[(unit ?? 'b').toLowerCase() as 'b'];
    return Number(digits) * scale;
  }

  get publicUrl(): string {
    return (this.PUBLIC_URL ?? `http://localhost:${this.PORT}`).replace(/\/+$/, '');
  }

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }
}

export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return validateEnv(AppConfig, env);
}
