import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';
import { testRedisUrl } from '../support/test-env';
import { ajaxBody, pollUntil } from './helpers';

describe('duplicate clicks', () => {
  let stack: TestStack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack({ extra: [EchoModule], workers: false, env: { DEDUPE_WINDOW: '5' } });
    redis = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    redis.disconnect();
    await stack.close();
  });

  it('gives one job for 10 identical parallel requests, the same for another order, a new one after the window', async () => {
    const tasks = [randomUUID(), randomUUID(), randomUUID()];
    const body = ajaxBody(tasks);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => request(stack.url).post('/actions/echo').send(body)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
    const ids = new Set(answers.map((answer) => answer.body.jobId as string));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(1);
    const [jobId] = [...ids];

    const reordered = await request(stack.url)
      .post('/actions/echo')
      .send({ ...body, selection: [...tasks].reverse() })
      .expect(202);
    expect(reordered.body).toMatchObject({ jobId, duplicate: true });

    const otherPerson = await request(stack.url)
      .post('/actions/echo')
      .send({ ...body, userid: randomUUID() })
      .expect(202);
    expect(otherPerson.body.jobId).not.toBe(jobId);

    // The window is over when BullMQ's deduplication keys of the queue have expired.
    const pattern = `${stack.env.QUEUE_PREFIX}:custom:de:*`;
    expect((await redis.keys(pattern)).length).toBeGreaterThan(0);
    await pollUntil(
      'the dedupe keys to expire',
      async () => (await redis.keys(pattern)).length === 0,
      15000,
    );

    const later = await request(stack.url).post('/actions/echo').send(body).expect(202);
    expect(later.body.duplicate).toBe(false);
    expect(later.body.jobId).not.toBe(jobId);
  });
});
