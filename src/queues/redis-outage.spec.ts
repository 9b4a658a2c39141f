import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { startRedisServer, type OwnRedis } from '../../dev/support/redis-server';
import { redisOptionsFor } from './redis-connection';
import { isRedisUnavailable, RedisOutageLog } from './redis-outage';

/** Resolves after the client has emitted `count` more events of that name. */
function events(client: Redis, name: 'error' | 'ready', count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = () => {
      if (++seen < count) return;
      client.off(name, on);
      resolve();
    };
    client.on(name, on);
  });
}

describe('RedisOutageLog', () => {
  let redis: OwnRedis;
  let errors: jest.SpyInstance;
  let infos: jest.SpyInstance;

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    infos = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs an outage once when it starts and once when it ends, across reconnection attempts and connections', async () => {
    redis = await startRedisServer();
    const outage = new RedisOutageLog();
    const options = { ...redisOptionsFor('producer'), retryStrategy: () => 50 };
    const clients = [new Redis(redis.url, options), new Redis(redis.url, options)];
    for (const client of clients) outage.watch(client);
    await Promise.all(clients.map((client) => events(client, 'ready', 1)));

    const failing = clients.map((client) => events(client, 'error', 5));
    await redis.stop();
    await Promise.all(failing);
    expect(outage.isDown).toBe(true);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0][0])).toMatch(/^Redis is unreachable \(.*ECONNREFUSED/);

    const back = clients.map((client) => events(client, 'ready', 1));
    redis = await startRedisServer(redis.port);
    await Promise.all(back);
    expect(outage.isDown).toBe(false);
    expect(infos).toHaveBeenCalledTimes(1);
    expect(String(infos.mock.calls[0][0])).toMatch(/^Redis is reachable again after \d+\.\d s$/);
    expect(errors).toHaveBeenCalledTimes(1);

    await Promise.all(clients.map((client) => client.quit()));
    await redis.stop();
  });

  it('tells an unreachable Redis from other errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isRedisUnavailable(refused)).toBe(true);
    expect(
      isRedisUnavailable(
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      ),
    ).toBe(true);
    expect(isRedisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnavailable(new Error('ERR unknown command'))).toBe(false);
    expect(isRedisUnavailable('ECONNREFUSED')).toBe(false);
  });
});
