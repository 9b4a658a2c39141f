import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { startFlamencoSimulator, type FlamencoSimulator } from '../../dev/simulator/farms';
import type { RenderResult } from '../../src/actions/render/render.action';
import type { ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';

/** Polls a condition (each round yields to the event loop) with a bound, instead of a sleep. */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Issue 19: comments a studio would not mute. Every action runs with the defaults (no FEEDBACK_
 * variable) and the comments are counted in the Zou simulator: each one notifies the task's
 * assignees, so a comment must say something the task's history should keep.
 */
describe('which comments each action writes to Kitsu, by default', () => {
  let zou: ZouSimulator;
  let flamenco: FlamencoSimulator;
  let quiet: TestStack;
  const stacks: TestStack[] = [];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 21, size: 'medium' });
    flamenco = await startFlamencoSimulator();
    quiet = await stackWith();
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.close()));
    await flamenco.close();
    await zou.close();
  });

  async function stackWith(env: Record<string, string> = {}): Promise<TestStack> {
    const stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTHZ: 'off',
        RENDER_FARM: 'flamenco',
        FLAMENCO_URL: flamenco.url,
        RENDER_TRACK_INTERVAL_MS: '20',
        MAX_SELECTION: '2000',
        ...env,
      },
    });
    stacks.push(stack);
    return stack;
  }

  const projectTasks = (count: number): ZouTask[] => {
    const projectId = zou.data.projectIds.tvShow;
    const tasks = [...zou.data.tasks.values()].filter((t) => t.project_id === projectId);
    expect(tasks.length).toBeGreaterThanOrEqual(count);
    return tasks.slice(0, count);
  };

  function commentsOn(taskIds: Iterable<string>): number {
    const wanted = new Set(taskIds);
    return [...zou.data.comments.values()].filter((c) => wanted.has(c.object_id)).length;
  }

  /** Kitsu's AJAX click by the supervisor; resolves once the job has ended. */
  async function click(stack: TestStack, action: string, tasks: ZouTask[]): Promise<string> {
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post(`/actions/${action}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: tasks[0].project_id,
        originurl: '/',
        originserver: 'kitsu.test',
        selection: tasks.map((t) => t.id),
      })
      .expect(202);
    const jobId = accepted.body.jobId as string;
    await stack.waitForJob(jobId);
    return jobId;
  }

  async function stateOf(stack: TestStack, jobId: string): Promise<string> {
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    return job.body.state as string;
  }

  it('inspect and stats over AJAX write nothing, on however many tasks', async () => {
    const tasks = projectTasks(300);
    const ids = tasks.map((t) => t.id);
    const before = commentsOn(ids);
    const inspect = await click(quiet, 'inspect', tasks);
    const stats = await click(quiet, 'stats', tasks);
    expect(await stateOf(quiet, inspect)).toBe('completed');
    expect(await stateOf(quiet, stats)).toBe('completed');
    // The outcome comment is the job's last step: the job has ended, so it would be there.
    expect(commentsOn(ids) - before).toBe(0);
  });

  it('FEEDBACK_READONLY=on brings back the outcome comment of read-only actions', async () => {
    const loud = await stackWith({ FEEDBACK_READONLY: 'on', FEEDBACK_MAX_TASKS: '3' });
    const tasks = projectTasks(5).slice(2);
    const before = commentsOn(tasks.map((t) => t.id));
    const jobId = await click(loud, 'inspect', tasks);
    const written = [...zou.data.comments.values()].filter((c) => c.text.includes(jobId));
    expect(written).toHaveLength(3);
    expect(written[0].text).toMatch(/^Inspect selection: 3 task\(s\) inspected/);
    expect(commentsOn(tasks.map((t) => t.id)) - before).toBe(3);
  });

  it('notify writes one comment per task per click, and no outcome comment', async () => {
    const tasks = projectTasks(12).slice(8);
    const ids = tasks.map((t) => t.id);
    const before = commentsOn(ids);
    const person = zou.data.people.supervisor;
    for (const text of ['first note', 'second note']) {
      const accepted = await request(quiet.url)
        .post(`/actions/notify?text=${encodeURIComponent(text)}`)
        .send({
          userid: person.id,
          useremail: person.email,
          productionid: tasks[0].project_id,
          selection: ids,
        })
        .expect(202);
      await quiet.waitForJob(accepted.body.jobId);
      expect(await stateOf(quiet, accepted.body.jobId)).toBe('completed');
    }
    expect(commentsOn(ids) - before).toBe(2 * tasks.length);
    for (const id of ids) {
      const texts = [...zou.data.comments.values()]
        .filter((c) => c.object_id === id)
        .map((c) => c.text);
      expect(texts).toEqual(expect.arrayContaining(['first note', 'second note']));
    }
  });

  it('a rendered task gets two comments, submitted and finished (or failed), with the farm link', async () => {
    const shots = [...zou.data.tasks.values()].filter((task) => {
      const data = (zou.data.entities.get(task.entity_id)?.data ?? {}) as Record<string, unknown>;
      return data.frame_in !== undefined && data.frame_out !== undefined;
    });
    const [good, bad] = shots;
    const before = commentsOn([good.id, bad.id]);
    const jobId = await click(quiet, 'render', [good, bad]);
    // Submitted: the render shows as running until its farm jobs end.
    expect(await stateOf(quiet, jobId)).toBe('active');
    const job = await request(quiet.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    const [goodJob, badJob] = (job.body.result as RenderResult).tasks;
    flamenco.advance(goodJob.farmJobId!, 'completed', 100);
    flamenco.advance(badJob.farmJobId!, 'failed', 40, 'crashed');
    const mine = (taskId: string) =>
      [...zou.data.comments.values()].filter((c) => c.object_id === taskId).slice(-2);
    await until('the done and failed comments', () =>
      mine(good.id).some((c) => c.text.startsWith('Render done')) &&
      mine(bad.id).some((c) => c.text.startsWith('Render failed'))
        ? true
        : undefined,
    );
    expect(commentsOn([good.id, bad.id]) - before).toBe(4);
    for (const [task, farmJob, end] of [
      [good, goodJob, /^Render done/],
      [bad, badJob, /^Render failed/],
    ] as const) {
      const [submitted, finished] = mine(task.id);
      expect(submitted.text).toMatch(/^Render submitted/);
      expect(finished.text).toMatch(end);
      for (const comment of [submitted, finished]) {
        expect(comment.text).toContain(farmJob.farmJobId!);
        if (farmJob.url) expect(comment.text).toContain(farmJob.url);
      }
    }
    // Tracking is over: nothing else comes (its polls have ended, the render job long since).
    expect(
      [...zou.data.comments.values()].filter((c) => c.text.includes(`/jobs/${jobId}`)),
    ).toEqual([]);
  });
});
