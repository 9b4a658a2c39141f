import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { ConfigError, toInt, toList, validateEnv } from '../config/validate-env';

export const AUTH_MODES = ['none', 'shared-secret', 'kitsu-session', 'signed'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** How callers of /actions prove who they are. Every mode listed must pass. */
export class AuthConfig {
  @IsOptional()
  @Transform(toList)
  @IsIn(AUTH_MODES, { each: true, message: `each one of ${AUTH_MODES.join(', ')}` })
  AUTH_MODE?: AuthMode[];

  /** Shared secret for every action (`?key=` on the action URL). */
  @IsOptional()
  @IsString()
  @MinLength(16)
  ACTION_KEY?: string;

  /** Per-action secrets, e.g. `render:<secret>,playlist:<secret>`; they win over ACTION_KEY. */
  @Transform(toList)
  @Matches(/^[a-z][a-z0-9-]*:.{16,}$/, { each: true, message: 'entries like render:<16+ chars>' })
  ACTION_KEYS: string[] = [];

  /** HMAC-SHA256 secret of the `signed` mode (scripts and other trackers). */
  @IsOptional()
  @IsString()
  @MinLength(16)
  SIGNING_SECRET?: string;

  /** How old a signed request may be, in seconds (replay protection). */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(3600)
  SIGNING_TOLERANCE_S = 300;

  /** Seconds a Kitsu session verdict is reused, so a burst of clicks costs one Zou call. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CACHE_SECONDS = 10;

  /** Kitsu origins allowed to call us from the browser (CORS, with credentials). */
  @Transform(toList)
  @Matches(/^https?:\/\/[^/\s*]+$/, {
    each: true,
    message: 'origins like https://kitsu.studio.example',
  })
  CORS_ORIGINS: string[] = [];

  // Filled from other config by crossCheck: the modes in force.
  modes: AuthMode[] = [];
  zouConfigured = false;
  production = false;

  keyFor(action: string): string | undefined {
    for (const entry of this.ACTION_KEYS) {
      const colon = entry.indexOf(':');
      if (entry.slice(0, colon) === action) return entry.slice(colon + 1);
    }
    return this.ACTION_KEY;
  }
}

/** Default: a Kitsu session when Zou is configured, otherwise none (refused in production). */
export function resolveAuthModes(
  config: AuthConfig,
  env: Record<string, string | undefined>,
): string[] {
  const problems: string[] = [];
  config.zouConfigured = Boolean(env.ZOU_URL);
  config.production = env.NODE_ENV === 'production';
  const modes = config.AUTH_MODE?.length
    ? [...new Set(config.AUTH_MODE)]
    : [config.zouConfigured ? 'kitsu-session' : 'none'];
  config.modes = modes as AuthMode[];
  if (modes.includes('none') && modes.length > 1) {
    problems.push('AUTH_MODE: "none" cannot be combined with other modes');
  }
  if (modes.includes('none') && config.production) {
    problems.push(
      'AUTH_MODE: "none" is refused when NODE_ENV=production (set kitsu-session or shared-secret)',
    );
  }
  if (modes.includes('kitsu-session') && !config.zouConfigured) {
    problems.push('AUTH_MODE: kitsu-session needs ZOU_URL (sessions are checked with Zou)');
  }
  if (modes.includes('shared-secret') && !config.ACTION_KEY && config.ACTION_KEYS.length === 0) {
    problems.push('ACTION_KEY: set it (or ACTION_KEYS) when AUTH_MODE includes shared-secret');
  }
  if (modes.includes('signed') && !config.SIGNING_SECRET) {
    problems.push('SIGNING_SECRET: set it when AUTH_MODE includes signed');
  }
  return problems;
}

/**
 * Session verdicts, persons and teams read in the second half of their AUTH_CACHE_SECONDS are
 * read again from Zou in the background (see TtlCache), so someone clicking on never waits for
 * Zou, while no verdict or fact is ever used past AUTH_CACHE_SECONDS.
 */
export const AUTH_RENEW_AHEAD_SHARE = 0.5;

/** The auth area as the container provides it: validated, modes resolved, or a ConfigError. */
export function loadAuthConfig(env: Record<string, string | undefined>): AuthConfig {
  const config = validateEnv(AuthConfig, env);
  const problems = resolveAuthModes(config, env);
  if (problems.length) throw new ConfigError(problems);
  return config;
}
