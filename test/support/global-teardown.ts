import type { OwnRedis } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const own = (globalThis as { __OWN_REDIS__?: OwnRedis }).__OWN_REDIS__;
  if (own) await own.stop();
}
