import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startRedisServer, type OwnRedis } from '../support/redis-server';
import { startStack, type TestStack } from '../support/stack';
import { uniquePrefix } from '../support/test-env';
import { killWorker, pollUntil, startWorkerProcess, type WorkerProcess } from './helpers';

/** A Redis of the test's own, stopped and started again on the same port under a live service. */
describe('Redis stops and comes back', () => {
  let redis: OwnRedis;
  let zou: ZouSimulator;
  let stack: TestStack;
  let worker: WorkerProcess;
  let tasks: ZouTask[];

  beforeAll(async () => {
    redis = await startRedisServer();
    zou = await startZouSimulator({ seed: 12, size: 'small' });
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: uniquePrefix(),
      ZOU_URL: zou.url,
      ZOU_TOKEN: zou.tokens.bot,
      AUTH_MODE: 'none',
      NODE_ENV: 'test',
      WORKERS: 'inspect',
      FEEDBACK_INSPECT: 'never',
    };
    stack = await startStack({ workers: false, env });
    worker = startWorkerProcess(env);
    await worker.waitForLine(/Consuming queues: inspect/);
    tasks = [...zou.data.tasks.values()].slice(0, 3);
  });

  afterAll(async () => {
    await killWorker(worker, 'SIGKILL');
    await stack.close();
    await redis.stop();
    await zou.close();
  });

  function click(taskIndex: number) {
    const person = zou.data.people.supervisor;
    const task = tasks[taskIndex];
    return request(stack.url)
      .post('/actions/inspect')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: task.project_id,
        selection: [task.id],
        entitytype: 'shot',
      });
  }

  async function completed(jobId: string): Promise<void> {
    await pollUntil(
      `job ${jobId} to complete`,
      async () => {
        const job = await request(stack.url)
          .get(`/jobs/${jobId}`)
          .set('Accept', 'application/json');
        return job.status === 200 && job.body.state === 'completed';
      },
      30_000,
    );
  }

  it('answers 503 with Retry-After while Redis is down, then accepts and runs jobs again by itself', async () => {
    const before = await click(0).expect(202);
    await completed(before.body.jobId as string);

    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const refused = await click(1);
      // Never a 202 for a job that was not stored.
      expect(refused.status).toBe(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.stringify(refused.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    }
    const health = await request(stack.url).get('/health/ready');
    expect(health.status).toBe(503);

    redis = await startRedisServer(redis.port);
    // The producer reconnects on its own: answers are 503 until it has, then 202; nothing else.
    const accepted = await pollUntil(
      'intake to accept again',
      async () => {
        const answer = await click(2);
        expect([202, 503]).toContain(answer.status);
        return answer.status === 202 ? answer : null;
      },
      20_000,
      100,
    );
    // The worker process, waiting all along, reconnects and runs it.
    await completed(accepted.body.jobId as string);
    await request(stack.url).get('/health/ready').expect(200);
  });
});
