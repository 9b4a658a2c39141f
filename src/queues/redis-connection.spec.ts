import type { AppConfig } from '../config/app.config';
import { testRedisUrl } from '../../test/support/test-env';
import { closingRedisOnFailure, createRedisConnection, type RedisClient } from './redis-connection';
import { RedisConfig } from './redis.config';

describe('closingRedisOnFailure', () => {
  const config = { REDIS_URL: testRedisUrl() } as AppConfig;
  const open = () => createRedisConnection(config, 'producer', new RedisConfig());
  const ended = (client: RedisClient) =>
    client.status === 'end'
      ? Promise.resolve()
      : new Promise<void>((resolve) => client.once('end', () => resolve()));
  const opened: RedisClient[] = [];
  afterAll(() => {
    for (const client of opened) client.disconnect();
  });

  it('closes what a failed start-up opened, before and after it failed, and no other start-up’s', async () => {
    let lateProvider: Promise<RedisClient> | undefined;
    let beforeFailure: RedisClient | undefined;
    const failed = closingRedisOnFailure(async () => {
      beforeFailure = open();
      // Nest goes on building another provider after one throws: it opens its client later.
      let opensLater!: () => void;
      lateProvider = new Promise<void>((resolve) => (opensLater = resolve)).then(open);
      setImmediate(() => opensLater());
      throw new Error('a provider refused its configuration');
    });
    // Another app starting in the same process meanwhile keeps its connection.
    const other = await closingRedisOnFailure(() => Promise.resolve(open()));
    opened.push(other);

    await expect(failed).rejects.toThrow('a provider refused its configuration');
    const late = await lateProvider!;
    await ended(beforeFailure!);
    await ended(late);
    if (other.status !== 'ready') await new Promise((resolve) => other.once('ready', resolve));
    expect(await other.ping()).toBe('PONG');
  });
});
