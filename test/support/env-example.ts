import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `NAME=value` lines of .env.example (commented-out lines are prose, not settings). */
export function documentedVariables(): string[] {
  const text = readFileSync(join(__dirname, '../../.env.example'), 'utf8');
  return [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}
