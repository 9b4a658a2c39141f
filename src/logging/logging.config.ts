import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { toBool } from '../config/validate-env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class LoggingConfig {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Human-readable lines (pino-pretty, a development dependency) instead of JSON. */
  @IsOptional()
  @Transform(toBool)
  @IsIn([true, false])
  LOG_PRETTY?: boolean;

  @IsOptional()
  NODE_ENV?: string;

  get pretty(): boolean {
    return this.LOG_PRETTY ?? this.NODE_ENV === 'development';
  }
}
