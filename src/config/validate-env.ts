import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown at start-up when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type ClassType<T> = new () => T;

/**
 * Turns environment variables into a typed, validated config object.
 * Each module owns a small config class; this is the one way they are read,
 * so every bad variable fails start-up with its own name in the message.
 */
export function validateEnv<T extends object>(
  schema: ClassType<T>,
  env: Record<string, string | undefined> = process.env,
): T {
  const relevant: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // An empty variable (FOO=) means "not set", as in most .env tooling.
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const instance = plainToInstance(schema, relevant, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(flatten(errors));
  const cross = (instance as { crossCheck?: () => string[] }).crossCheck?.() ?? [];
  if (cross.length > 0) throw new ConfigError(cross);
  return instance;
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => {
    const reasons = Object.values(error.constraints ?? {});
    const shown = isSecretName(error.property) ? '(hidden)' : JSON.stringify(error.value);
    return reasons.length
      ? [`${error.property}: ${reasons.join('; ')} (got ${shown})`]
      : flatten(error.children ?? []);
  });
}

export function isSecretName(name: string): boolean {
  return /TOKEN|PASSWORD|SECRET|KEY/i.test(name);
}

/** class-transformer helpers for env strings. */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};

export const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;
