import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';
import { testRedisUrl, uniquePrefix } from '../support/test-env';
import { killWorker, pollUntil, startWorkerProcess, type WorkerProcess } from './helpers';

const ACTIONS = Number(process.env.SOAK_ACTIONS ?? 2000);
const CLIENTS = 32;

/**
 * 2,000 clicks from 32 concurrent clients while one of two worker processes is killed (SIGKILL)
 * and restarted twice. Each click is a notify with its own text, so the Zou simulator's comments
 * tell whether a job was lost (no comment) or done twice (two).
 */
describe('soak: thousands of actions through worker crashes', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let tasks: ZouTask[];
  const workers: WorkerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 40, size: 'small', logBodies: false });
    env = {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix(),
      ZOU_URL: zou.url,
      ZOU_TOKEN: zou.tokens.bot,
      AUTH_MODE: 'none',
      NODE_ENV: 'test',
      WORKERS: 'custom',
      WORKER_LOCK_DURATION_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      FEEDBACK_NOTIFY: 'never',
    };
    stack = await startStack({ workers: false, env });
    const project = zou.data.projectIds.tvShow;
    tasks = [...zou.data.tasks.values()].filter((t) => t.project_id === project).slice(0, 50);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
    await stack.close();
    await zou.close();
  });

  async function startWorker(): Promise<WorkerProcess> {
    const worker = startWorkerProcess(env);
    workers.push(worker);
    await worker.waitForLine(/Consuming queues: custom/);
    return worker;
  }

  function commentCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const comment of zou.data.comments.values()) {
      if (comment.text.startsWith('soak '))
        counts.set(comment.text, (counts.get(comment.text) ?? 0) + 1);
    }
    return counts;
  }

  it('ends every acknowledged job completed: none lost, none done twice', async () => {
    let victim = await startWorker();
    await startWorker();
    const person = zou.data.people.supervisor;
    const accepted: string[] = [];
    let next = 0;
    const client = async () => {
      while (next < ACTIONS) {
        const index = next++;
        const task = tasks[index % tasks.length];
        const answer = await fetch(
          `${stack.url}/actions/notify?text=${encodeURIComponent(`soak ${index}`)}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              userid: person.id,
              useremail: person.email,
              productionid: task.project_id,
              selection: [task.id],
              entitytype: 'shot',
            }),
          },
        );
        const body = (await answer.json()) as { jobId?: string };
        if (answer.status === 202 && body.jobId) accepted.push(body.jobId);
      }
    };
    const crashes = (async () => {
      for (const share of [0.25, 0.6]) {
        await pollUntil(
          'work in progress',
          () => commentCounts().size >= ACTIONS * share,
          120_000,
          50,
        );
        await killWorker(victim, 'SIGKILL');
        victim = await startWorker();
      }
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, client), crashes]);
    expect(accepted).toHaveLength(ACTIONS);

    await pollUntil('every job to be done', () => commentCounts().size === ACTIONS, 180_000, 100);
    const counts = commentCounts();
    const twice = [...counts.entries()].filter(([, n]) => n !== 1);
    expect(twice).toEqual([]);
    // And the queue agrees: every acknowledged job is completed, none failed or waiting.
    const { Queue } = await import('bullmq');
    const queue = new Queue('custom', {
      connection: { url: env.REDIS_URL },
      prefix: env.QUEUE_PREFIX,
    });
    await pollUntil(
      'the queue to settle',
      async () => {
        const c = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
        return c.completed === ACTIONS ? c : null;
      },
      30_000,
      100,
    );
    const countsByState = await queue.getJobCounts('failed', 'active', 'waiting', 'delayed');
    await queue.close();
    expect(countsByState).toEqual({ failed: 0, active: 0, waiting: 0, delayed: 0 });
  }, 180_000); // thousands of jobs and worker restarts: minutes on a busy 2-core machine
});
