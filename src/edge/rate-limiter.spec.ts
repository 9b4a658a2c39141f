import Redis from 'ioredis';
import type { AppConfig } from '../config/app.config';
import type { ProducerConnection } from '../queues/producer-connection';
import { testRedisUrl, uniquePrefix } from '../../test/support/test-env';
import { loadEdgeConfig } from './edge.config';
import { ActionRateLimiter } from './rate-limiter';

describe('ActionRateLimiter', () => {
  let client: Redis;
  let prefix: string;

  /** A limiter on the test Redis; two built on one prefix behave as two API replicas. */
  function limiter(env: Record<string, string>): ActionRateLimiter {
    return new ActionRateLimiter(
      { client } as unknown as ProducerConnection,
      { QUEUE_PREFIX: prefix } as AppConfig,
      loadEdgeConfig({ RATE_LIMIT_WINDOW_S: '600', ...env }),
    );
  }

  beforeAll(() => {
    client = new Redis(testRedisUrl());
  });
  beforeEach(() => {
    prefix = uniquePrefix('rate');
  });
  afterAll(async () => {
    const keys = await client.keys('ka-test-*-rate-*');
    if (keys.length) await client.unlink(...keys);
    client.disconnect();
  });

  it('counts address and person in one call, shared by every replica', async () => {
    const env = { RATE_LIMIT_PER_IP: '5', RATE_LIMIT_PER_PERSON: '2' };
    const [one, two] = [limiter(env), limiter(env)];
    expect(await one.checkAddressAndPerson('10.0.0.1', 'p1')).toEqual({ allowed: true });
    expect(await two.checkAddressAndPerson('10.0.0.1', 'p1')).toEqual({ allowed: true });
    const refused = await one.checkAddressAndPerson('10.0.0.1', 'p1');
    expect(refused).toMatchObject({ allowed: false, limit: 'person', max: 2 });
    expect(refused.retryAfterS).toBeGreaterThan(0);
    expect(refused.retryAfterS).toBeLessThanOrEqual(600);
    // Three of the address's five are spent; another person from it has two left.
    expect(await two.checkAddressAndPerson('10.0.0.1', 'p2')).toEqual({ allowed: true });
    expect(await one.checkAddressAndPerson('10.0.0.1', 'p2')).toEqual({ allowed: true });
    expect(await two.checkAddressAndPerson('10.0.0.1', 'p3')).toMatchObject({
      allowed: false,
      limit: 'ip',
      max: 5,
    });
  });

  it('does not count the person of a request the address budget refused', async () => {
    const limits = limiter({ RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_PERSON: '1' });
    expect(await limits.checkAddress('10.0.0.2')).toEqual({ allowed: true });
    expect(await limits.checkAddressAndPerson('10.0.0.2', 'p1')).toMatchObject({ limit: 'ip' });
    // p1 was not charged for the refused request: its one click is still there.
    expect(await limits.checkPerson('p1')).toEqual({ allowed: true });
    expect(await limits.checkPerson('p1')).toMatchObject({ allowed: false, limit: 'person' });
  });

  it('counts only what has a budget, and nothing when both are off', async () => {
    const addressOnly = limiter({ RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_PERSON: '0' });
    expect(await addressOnly.checkAddressAndPerson('10.0.0.3', 'p1')).toEqual({ allowed: true });
    expect(await addressOnly.checkPerson('p1')).toEqual({ allowed: true });
    expect(await addressOnly.checkAddressAndPerson('10.0.0.3', 'p1')).toMatchObject({
      limit: 'ip',
    });
    const off = limiter({ RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_PERSON: '0' });
    expect(await off.checkAddressAndPerson('10.0.0.4', 'p1')).toEqual({ allowed: true });
    expect(await client.keys(`${prefix}:rate:*`)).toHaveLength(1); // the address, nothing else
    const [key] = await client.keys(`${prefix}:rate:ip:*`);
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });
});
