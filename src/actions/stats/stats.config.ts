import { Transform } from 'class-transformer';
import { IsNumber, Max, Min } from 'class-validator';
import { validateEnv } from '../../config/validate-env';

const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? Number(value)
    : value;

export class StatsConfig {
  /** Hours in a working day: estimation and time spent are shown in days of this many hours. */
  @Transform(toNumber)
  @IsNumber()
  @Min(1)
  @Max(24)
  STATS_DAY_HOURS = 8;
}

export function loadStatsConfig(env: Record<string, string | undefined>): StatsConfig {
  return validateEnv(StatsConfig, env);
}
