import Redis from 'ioredis';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { SharedRateGate } from '../../src/zou/shared-rate-gate';
import { createZouClient } from '../../src/zou/zou.client';
import { loadZouConfig } from '../../src/zou/zou.config';
import { freePort } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/test-env';

/** Two clients standing for two worker processes, sharing one calls-per-second budget in Redis. */
describe('ZOU_GLOBAL_RATE_LIMIT across processes', () => {
  let zou: ZouSimulator;
  let redis: Redis;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 2, size: 'small' });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    redis.disconnect();
    await zou.close();
  });

  it('keeps the calls of all clients together within the budget per second', async () => {
    const perSecond = 10;
    const key = `${uniquePrefix()}:zou-rate`;
    const clients = [0, 1].map(() =>
      createZouClient(
        loadZouConfig({ ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.bot, ZOU_GLOBAL_RATE_LIMIT: '10' }),
        undefined,
        { gate: new SharedRateGate(redis, key, perSecond) },
      ),
    );
    zou.resetLog();
    await Promise.all(
      clients.flatMap((client) => Array.from({ length: 15 }, () => client.whoAmI())),
    );
    const arrivals = zou.log.map((entry) => entry.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(30);
    // 30 calls at 10 per second are let through in at least three different seconds.
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThan(1000);
    const perSecondSeen = new Map<number, number>();
    for (const at of arrivals) {
      const second = Math.floor(at / 1000);
      perSecondSeen.set(second, (perSecondSeen.get(second) ?? 0) + 1);
    }
    expect(perSecondSeen.size).toBeGreaterThanOrEqual(2);
  });

  it('lets calls through when the counter cannot be reached', async () => {
    // A real client of a Redis that is not there.
    const port = await freePort();
    const broken = new Redis(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    broken.on('error', () => undefined);
    const warnings: unknown[] = [];
    const gate = new SharedRateGate(broken, 'x', 1, Date.now, (e) => warnings.push(e));
    await Promise.all([gate.wait(), gate.wait(), gate.wait()]);
    expect(warnings).toHaveLength(1);
    broken.disconnect();
  });
});
