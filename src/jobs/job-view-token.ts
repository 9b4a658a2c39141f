import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { IsOptional, IsString, MinLength } from 'class-validator';
import { ENV, type Env } from '../config/config.module';
import { validateEnv } from '../config/validate-env';

export class JobViewConfig {
  /** Key of the job links handed out at intake; shared by every API replica. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  JOB_VIEW_SECRET?: string;

  @IsOptional()
  @IsString()
  ACTION_KEY?: string;

  @IsOptional()
  @IsString()
  SIGNING_SECRET?: string;
}

/**
 * The `?view=` token on the job link the intake hands out: whoever clicked holds it, so the job
 * page opens for them where no Kitsu session reaches us (shared-secret and signed modes), while
 * other job ids still cannot be probed. An HMAC of the job id, so any replica can check it.
 */
@Injectable()
export class JobViewTokens {
  private readonly key: Buffer;

  constructor(@Inject(ENV) env: Env) {
    const config = validateEnv(JobViewConfig, env);
    const configured = config.JOB_VIEW_SECRET ?? config.ACTION_KEY ?? config.SIGNING_SECRET;
    if (configured) {
      this.key = createHmac('sha256', configured).update('kitsu-actions job view').digest();
    } else {
      // Links then work on this process only: fine for one API, stated for several.
      this.key = randomBytes(32);
      if (env.NODE_ENV === 'production')
        new Logger('JobView').warn(
          'No JOB_VIEW_SECRET: job links are valid on this API process only until it restarts',
        );
    }
  }

  token(jobId: string): string {
    return createHmac('sha256', this.key).update(jobId).digest('base64url').slice(0, 32);
  }

  verify(jobId: string, given: unknown): boolean {
    if (typeof given !== 'string' || given.length !== 32) return false;
    return timingSafeEqual(Buffer.from(this.token(jobId)), Buffer.from(given));
  }

  /** `?view=<token>` for links to this job's page, events and downloads. */
  query(jobId: string): string {
    return `?view=${this.token(jobId)}`;
  }
}
