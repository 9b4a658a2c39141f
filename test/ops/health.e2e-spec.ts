import request from 'supertest';
import { startDeadlineSimulator } from '../../dev/simulator/farms';
import { pollUntil } from '../reliability/helpers';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import { startRedisServer, type OwnRedis } from '../support/redis-server';
import { startStack, type TestStack } from '../support/stack';

interface ReadyBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

describe('health: live and ready', () => {
  let redis: OwnRedis | null;
  let zou: ZouSimulator | null;
  let stack: TestStack;
  let redisPort: number;

  beforeAll(async () => {
    redis = await startRedisServer();
    redisPort = redis.port;
    zou = await startZouSimulator({ port: 0, host: '127.0.0.1', size: 'small' });
    stack = await startStack({
      workers: false,
      env: { REDIS_URL: redis.url, ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.bot, ZOU_RETRIES: '0' },
    });
  });
  afterAll(async () => {
    // Closing queues waits on Redis: bring it back on the same port so shutdown is quick.
    redis ??= await startRedisServer(redisPort);
    await stack.close();
    await zou?.close();
    await redis?.stop();
  });

  const ready = async () => {
    const response = await request(stack.url).get('/health/ready');
    return { status: response.status, body: response.body as ReadyBody };
  };

  it('is live and ready while Redis and Zou answer', async () => {
    await request(stack.url).get('/health/live').expect(200, { status: 'ok' });
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body.info).toMatchObject({ redis: { status: 'up' }, zou: { status: 'up' } });
    await request(stack.url).get('/health').expect(200);
  });

  it('is not ready (503, zou down) once the Zou simulator closes, but still live', async () => {
    await zou!.close();
    zou = null;
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ zou: { status: 'down' } });
    expect(body.info).toMatchObject({ redis: { status: 'up' } });
    await request(stack.url).get('/health/live').expect(200);
  });

  it('is not ready (503, redis down) once Redis stops', async () => {
    await redis!.stop();
    redis = null;
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ redis: { status: 'down' } });
    await request(stack.url).get('/health').expect(503);
    await request(stack.url).get('/health/live').expect(200);
  });
});

describe('health: the render farm in readiness', () => {
  it('is ready while the configured farm answers, and not once it stops', async () => {
    const farm = await startDeadlineSimulator();
    const stack = await startStack({
      workers: false,
      env: { RENDER_FARM: 'deadline', DEADLINE_URL: farm.url },
    });
    try {
      // The Redis connection may still be coming up right after start: ready once it has.
      const up = await pollUntil('ready', async () => {
        const answer = await request(stack.url).get('/health/ready');
        return answer.status === 200 ? answer : null;
      });
      expect((up.body as ReadyBody).info).toMatchObject({ farm: { status: 'up' } });
      await farm.close();
      const down = await request(stack.url).get('/health/ready').expect(503);
      expect((down.body as ReadyBody).error).toMatchObject({ farm: { status: 'down' } });
    } finally {
      await stack.close();
    }
  });
});
