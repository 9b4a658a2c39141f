import { Transform } from 'class-transformer';
import { IsNumber, IsTimeZone, Max, Min } from 'class-validator';
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

  /**
   * IANA time zone whose calendar decides "today" for late and due-this-week (Kitsu shows due
   * dates as days). Defaults to TZ when that names a zone, else UTC.
   */
  @IsTimeZone()
  STATS_TIME_ZONE = 'UTC';
}

function isTimeZone(name: string | undefined): name is string {
  if (!name) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function loadStatsConfig(env: Record<string, string | undefined>): StatsConfig {
  const zone = env.STATS_TIME_ZONE || (isTimeZone(env.TZ) ? env.TZ : undefined);
  return validateEnv(StatsConfig, { ...env, STATS_TIME_ZONE: zone });
}
