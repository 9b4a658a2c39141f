import { randomBytes } from 'node:crypto';
import { redisAnswers, startRedisServer } from './redis-server';

/**
 * Finds Redis for the whole test run: REDIS_URL (default 127.0.0.1:6379) when it answers,
 * otherwise a redis-server started from PATH on a free port. Every run gets its own
 * TEST_RUN_ID, which test files put in their queue prefixes so runs never share jobs.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.TEST_RUN_ID = randomBytes(4).toString('hex');
  if (await redisAnswers(url)) {
    process.env.REDIS_URL = url;
    return;
  }
  const own = await startRedisServer();
  process.env.REDIS_URL = own.url;
  (globalThis as { __OWN_REDIS__?: typeof own }).__OWN_REDIS__ = own;
  console.log(`\nNo Redis at ${url}; started redis-server at ${own.url} for this run.`);
}
