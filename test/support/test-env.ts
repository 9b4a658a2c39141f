import { randomBytes } from 'node:crypto';

/** The Redis URL chosen by the global setup for this run. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A queue prefix no other test file or run shares. */
export function uniquePrefix(label = 't'): string {
  const run = process.env.TEST_RUN_ID ?? 'local';
  return `ka-test-${run}-${label}-${randomBytes(3).toString('hex')}`;
}
