import Redis from 'ioredis';
import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';
import { testRedisUrl, uniquePrefix } from '../support/test-env';
import { killWorker, pollUntil, startWorkerProcess, type WorkerProcess } from './helpers';

/**
 * Real worker processes (`node dist/worker.js`) killed while a job writes to the Zou simulator:
 * the job must finish on another worker, and each write must happen exactly once.
 */
describe('workers killed or stopped mid-job', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let redis: Redis;
  let tasks: ZouTask[];
  const workers: WorkerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    // Each Zou answer takes a while, so a six-task job is still running when the signal lands.
    zou = await startZouSimulator({ seed: 8, size: 'small', latencyMs: 120 });
    const prefix = uniquePrefix();
    env = {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      ZOU_URL: zou.url,
      ZOU_TOKEN: zou.tokens.bot,
      AUTH_MODE: 'none',
      NODE_ENV: 'test',
      WORKERS: 'custom',
      // Short lock and stalled check so a killed worker's job is retaken within seconds.
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      // Only the action's own comments are counted.
      FEEDBACK_NOTIFY: 'never',
    };
    stack = await startStack({ workers: false, env });
    redis = new Redis(testRedisUrl());
    const project = zou.data.projectIds.tvShow;
    tasks = [...zou.data.tasks.values()].filter((t) => t.project_id === project).slice(0, 12);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
    redis.disconnect();
    await stack.close();
    await zou.close();
  });

  function worker(extra: Record<string, string> = {}): WorkerProcess {
    const started = startWorkerProcess({ ...env, ...extra });
    workers.push(started);
    return started;
  }

  async function notify(selection: ZouTask[], text: string): Promise<string> {
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post(`/actions/notify?text=${encodeURIComponent(text)}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: selection[0].project_id,
        selection: selection.map((t) => t.id),
        entitytype: 'shot',
      })
      .expect(202);
    return accepted.body.jobId as string;
  }

  async function stateOf(jobId: string): Promise<string> {
    const answer = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    return answer.body.state as string;
  }

  function commentsWith(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const comment of zou.data.comments.values()) {
      if (comment.text === text)
        counts.set(comment.object_id, (counts.get(comment.object_id) ?? 0) + 1);
    }
    return counts;
  }

  it('SIGKILL mid-job: a new worker finishes it, and every task gets exactly one comment', async () => {
    const text = `kill test ${Date.now()}`;
    const selection = tasks.slice(0, 6);
    const first = worker();
    await first.waitForLine(/Consuming queues: custom/);
    const jobId = await notify(selection, text);
    // Killed after some comments are written and before all of them are.
    await pollUntil('two comments posted', () => commentsWith(text).size >= 2, 20_000);
    expect(commentsWith(text).size).toBeLessThan(selection.length);
    await killWorker(first, 'SIGKILL');
    expect(await stateOf(jobId)).toBe('active');

    const second = worker();
    await pollUntil(
      'the job to complete',
      async () => (await stateOf(jobId)) === 'completed',
      30_000,
    );
    const counts = commentsWith(text);
    expect([...counts.keys()].sort()).toEqual(selection.map((t) => t.id).sort());
    expect([...counts.values()]).toEqual(Array(selection.length).fill(1));
    await killWorker(second, 'SIGTERM');
  });

  describe('killed between the work and its outcome comment', () => {
    // Inspect writes nothing to Kitsu but its outcome comment (read-only actions need this on).
    const commenting = { WORKERS: 'inspect', FEEDBACK_READONLY: 'on' };

    async function inspect(selection: ZouTask[]): Promise<string> {
      const person = zou.data.people.supervisor;
      const accepted = await request(stack.url)
        .post('/actions/inspect')
        .send({
          userid: person.id,
          useremail: person.email,
          productionid: selection[0].project_id,
          selection: selection.map((t) => t.id),
        })
        .expect(202);
      return accepted.body.jobId as string;
    }

    function outcomeComments(jobId: string): Map<string, number> {
      const counts = new Map<string, number>();
      for (const comment of zou.data.comments.values()) {
        if (comment.text.includes(`/jobs/${jobId}`))
          counts.set(comment.object_id, (counts.get(comment.object_id) ?? 0) + 1);
      }
      return counts;
    }

    it.each([
      ['before Zou has the comment', false],
      ['after Zou wrote it, before its answer', true],
    ])(
      'SIGKILL %s: the next worker posts what is missing, each task once',
      async (_when, afterWrite) => {
        const selection = afterWrite ? tasks.slice(0, 3) : tasks.slice(3, 6);
        const first = worker(commenting);
        await first.waitForLine(/Consuming queues: inspect/);
        // The first outcome comment is held by Zou: the work is done, the job not yet ended.
        const held = zou.holdNext('POST', '/comment', { afterWrite });
        const jobId = await inspect(selection);
        await held;
        await killWorker(first, 'SIGKILL');
        expect(await stateOf(jobId)).toBe('active');

        const second = worker(commenting);
        await pollUntil(
          'the job to complete',
          async () => (await stateOf(jobId)) === 'completed',
          30_000,
        );
        const counts = outcomeComments(jobId);
        expect([...counts.keys()].sort()).toEqual(selection.map((t) => t.id).sort());
        expect([...counts.values()]).toEqual(Array(selection.length).fill(1));
        await killWorker(second, 'SIGTERM');
      },
    );
  });

  it('SIGTERM mid-job: the worker finishes the active job within the grace period, then exits', async () => {
    const text = `term test ${Date.now()}`;
    const selection = tasks.slice(6, 10);
    const graceful = worker({ WORKER_SHUTDOWN_GRACE_MS: '20000' });
    await graceful.waitForLine(/Consuming queues: custom/);
    const jobId = await notify(selection, text);
    await graceful.waitForLine(/notify started/);
    graceful.child.kill('SIGTERM');
    await graceful.exited;
    expect(graceful.child.signalCode === 'SIGTERM' || graceful.child.exitCode === 0).toBe(true);
    expect(await stateOf(jobId)).toBe('completed');
    expect([...commentsWith(text).values()]).toEqual(Array(selection.length).fill(1));
  });

  it('SIGTERM with no grace: the job ends completed or is finished by the next worker, never stuck', async () => {
    const text = `short grace ${Date.now()}`;
    const selection = tasks.slice(0, 8);
    const hasty = worker({ WORKER_SHUTDOWN_GRACE_MS: '0' });
    await hasty.waitForLine(/Consuming queues: custom/);
    const jobId = await notify(selection, text);
    await pollUntil('one comment posted', () => commentsWith(text).size >= 1, 20_000);
    hasty.child.kill('SIGTERM');
    await hasty.exited;

    // Whichever way the stop went, another worker brings the job to its end.
    const next = worker();
    await pollUntil(
      'the job to complete',
      async () => (await stateOf(jobId)) === 'completed',
      30_000,
    );
    expect([...commentsWith(text).values()]).toEqual(Array(selection.length).fill(1));
    expect(await redis.llen(`${env.QUEUE_PREFIX}:custom:active`)).toBe(0);
    await killWorker(next, 'SIGTERM');
  });
});
