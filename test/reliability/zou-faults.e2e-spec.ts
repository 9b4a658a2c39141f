import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startZouStack, type ZouStack } from '../support/stack';

/** Zou having a bad minute: a third of its answers are 503s, and every answer is slow. */
describe('jobs against a faulty Zou', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;
  let tasks: ZouTask[];

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 30, size: 'small', latencyMs: 15 },
      {
        env: {
          FEEDBACK_INSPECT: 'never',
          FEEDBACK_STATS: 'never',
          // The scripted 403 is for the worker's read; the intake's authorization would take it first.
          AUTHZ: 'off',
        },
      },
    );
    zou = stack.zou;
    const project = zou.data.projectIds.tvShow;
    tasks = [...zou.data.tasks.values()].filter((t) => t.project_id === project);
  });

  afterAll(() => stack.close());

  async function run(action: string, selection: ZouTask[]) {
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post(`/actions/${action}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: selection[0].project_id,
        selection: selection.map((t) => t.id),
        entitytype: 'shot',
      })
      .expect(202);
    const jobId = accepted.body.jobId as string;
    await stack.waitForJob(jobId);
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    return job.body as { state: string; attempts: number; failedReason: string | null };
  }

  it('completes every job at 30% 503s, with the retries visible in what Zou saw', async () => {
    zou.setFaults({ errorRate: 0.3 });
    zou.resetLog();
    const jobs = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        run(i % 2 ? 'inspect' : 'stats', tasks.slice(i * 3, i * 3 + 3)),
      ),
    );
    zou.setFaults({});
    expect(jobs.map((job) => job.state)).toEqual(Array(jobs.length).fill('completed'));
    const unavailable = zou.log.filter((entry) => entry.status === 503).length;
    expect(unavailable).toBeGreaterThan(0);
    // Retried reads succeeded afterwards: as many 2xx as the jobs needed, on top of the 503s.
    expect(zou.log.filter((entry) => entry.status === 200).length).toBeGreaterThan(jobs.length);
  });

  it('fails a job at once, with the reason, when Zou answers 403', async () => {
    zou.injectFaults({ status: 403, path: '/data/tasks' });
    const job = await run('inspect', tasks.slice(-1));
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.failedReason).toMatch(/403|forbidden|refused/i);
  });
});
