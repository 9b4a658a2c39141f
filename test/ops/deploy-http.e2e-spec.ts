import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import { startRedisServer, type OwnRedis } from '../support/redis-server';
import { startStack, startZouStack, type TestStack, type ZouStack } from '../support/stack';

const BOARD = { user: 'board', password: 'board-password-1' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('HSTS is the host proxy’s business unless asked for', () => {
  it('sends no Strict-Transport-Security by default', async () => {
    const stack = await startStack({ workers: false });
    try {
      const res = await request(stack.url).get('/health/live');
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await stack.close();
    }
  });

  it('sends it with HSTS_MAX_AGE, for this host name only', async () => {
    const stack = await startStack({ workers: false, env: { HSTS_MAX_AGE: '600' } });
    try {
      const res = await request(stack.url).get('/health/live');
      expect(res.headers['strict-transport-security']).toBe('max-age=600');
    } finally {
      await stack.close();
    }
  });
});

describe('/jobs asks who is looking', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 5, size: 'small' },
      {
        workers: false,
        env: {
          AUTH_MODE: 'kitsu-session',
          BOARD_USER: BOARD.user,
          BOARD_PASSWORD: BOARD.password,
          KITSU_URL: 'https://kitsu.studio.test',
        },
      },
    );
    zou = stack.zou;
  });
  afterAll(() => stack.close());

  it('answers a browser without session 401 with a Basic challenge, not the nil person’s list', async () => {
    const page = await request(stack.url).get('/jobs').set('Accept', 'text/html').expect(401);
    expect(page.headers['www-authenticate']).toMatch(/^Basic realm="Kitsu Actions"/);
    expect(page.text).toContain('Log in to Kitsu (https://kitsu.studio.test)');
    expect(page.text).not.toContain('00000000-0000-0000-0000-000000000000');
    const json = await request(stack.url).get('/jobs').set('Accept', 'application/json');
    expect(json.status).toBe(401);
    expect(json.body.message).toMatch(/dashboard login/);
  });

  it('asks again after a wrong board password, lists everything with the right one', async () => {
    await request(stack.url)
      .get('/jobs')
      .set('Authorization', basic(BOARD.user, 'wrong-password'))
      .expect(401);
    const listed = await request(stack.url)
      .get('/jobs')
      .set('Accept', 'application/json')
      .set('Authorization', basic(BOARD.user, BOARD.password))
      .expect(200);
    expect(listed.body.jobs).toEqual(expect.any(Array));
  });

  it('lists a Kitsu session holder’s own jobs', async () => {
    const person = zou.data.people.artist;
    const page = await request(stack.url)
      .get('/jobs')
      .set('Accept', 'text/html')
      .set('Authorization', `Bearer ${zou.issueToken(person.id)}`)
      .expect(200);
    expect(page.text).toContain(person.id.toLowerCase());
  });
});

describe('job routes while Redis is down', () => {
  let redis: OwnRedis | null;
  let redisPort: number;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await startRedisServer();
    redisPort = redis.port;
    stack = await startStack({ workers: false, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    // Back on the same port, so the app's connections close cleanly instead of retrying.
    redis ??= await startRedisServer(redisPort);
    await stack.close();
    await redis.stop();
  });

  it('answers 503 with Retry-After instead of 500', async () => {
    await request(stack.url).get('/jobs/inspect.abcdefghijkl').expect(404);
    await redis!.stop();
    redis = null;
    const res = await request(stack.url)
      .get('/jobs/inspect.abcdefghijkl')
      .set('Accept', 'application/json');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.message).toMatch(/unavailable/);
    const list = await request(stack.url).get('/jobs').set('Accept', 'application/json');
    expect(list.status).toBe(503);
  });
});
