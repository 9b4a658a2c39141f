import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import {
  startAfanasySimulator,
  startDeadlineSimulator,
  startFlamencoSimulator,
  type FarmRequestLogEntry,
  type SimJobState,
} from '../../dev/simulator/farms';
import type { RenderCancelResult } from '../../src/actions/render/render-cancel.action';
import { JobQueues } from '../../src/queues/job-queues.service';
import type { ZouTask } from '../../src/zou/zou.types';
import type { RenderResult } from '../../src/actions/render/render.action';
import { startStack, type TestStack } from '../support/stack';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function shotTasks(zou: ZouSimulator, shape: 'full' | 'frames-only' | 'none'): ZouTask[] {
  return [...zou.data.tasks.values()].filter((task) => {
    const entity = zou.data.entities.get(task.entity_id);
    if (entity?.type !== 'Shot') return false;
    const data = (entity.data ?? {}) as Record<string, unknown>;
    const hasRange = data.frame_in !== undefined && data.frame_out !== undefined;
    if (shape === 'full') return hasRange;
    if (shape === 'frames-only') return !hasRange && (entity.nb_frames ?? 0) > 0;
    return !hasRange && !entity.nb_frames;
  });
}

/** Kitsu's AJAX click on these tasks by the supervisor; answers the job id. */
async function click(
  stack: TestStack,
  zou: ZouSimulator,
  action: string,
  tasks: ZouTask[],
): Promise<string> {
  const person = zou.data.people.supervisor;
  const answer = await request(stack.url)
    .post(`/actions/${action}`)
    .send({
      userid: person.id,
      useremail: person.email,
      productionid: tasks[0].project_id,
      originurl: '/',
      originserver: 'kitsu.test',
      selection: tasks.map((t) => t.id),
      entitytype: 'shot',
    })
    .expect(202);
  return answer.body.jobId as string;
}

async function render(
  stack: TestStack,
  zou: ZouSimulator,
  tasks: ZouTask[],
): Promise<RenderResult> {
  const id = await click(stack, zou, 'render', tasks);
  await stack.waitForJob(id);
  const job = await request(stack.url).get(`/jobs/${id}`).set('Accept', 'application/json');
  // A dry run is all done at submission; on a farm the render runs until its farm jobs end.
  const followed = (job.body.result as RenderResult).tasks.some((t) => t.trackingJobId);
  expect(job.body.state).toBe(followed ? 'active' : 'completed');
  return { ...(job.body.result as RenderResult), jobId: id } as RenderResult & { jobId: string };
}

function commentsOn(zou: ZouSimulator, taskId: string) {
  return [...zou.data.comments.values()].filter((c) => c.object_id === taskId);
}

describe('render action, dry run', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 11, size: 'small' });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        RENDER_FARM: 'dry-run',
        RENDER_SCENE_TEMPLATE: '/prod/{project}/{sequence}/{shot}/{task_type}/{shot}.blend',
        RENDER_OUTPUT_TEMPLATE: '/render/{shot}/{frame_in}-{frame_out}/{shot}.####',
        RENDER_PRIORITY: '70',
        RENDER_STATUS_ON_SUBMIT: 'wip',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  it('takes frame ranges from data, then nb_frames, and reports shots with neither', async () => {
    const full = shotTasks(zou, 'full')[0];
    const sameProject = (task: ZouTask) => task.project_id === full.project_id;
    const framesOnly = shotTasks(zou, 'frames-only').find(sameProject);
    const none = shotTasks(zou, 'none').find(sameProject);
    const chosen = [full, framesOnly, none].filter((t): t is ZouTask => t !== undefined);
    expect(chosen.length).toBeGreaterThanOrEqual(2);
    const result = await render(stack, zou, chosen);
    const fullShot = zou.data.entities.get(full.entity_id)!;
    const fullData = fullShot.data as { frame_in: number; frame_out: number };
    const spec = result.dryRun!.find((s) => s.kitsu.taskId === full.id)!;
    expect(spec.frameIn).toBe(fullData.frame_in);
    expect(spec.frameOut).toBe(fullData.frame_out);
    expect(spec.priority).toBe(70);
    expect(spec.kitsu.personId).toBe(zou.data.people.supervisor.id);
    const project = zou.data.projects.get(full.project_id)!;
    const taskType = zou.data.taskTypes.get(full.task_type_id)!;
    expect(spec.scenePath).toContain(`/prod/${project.name}/`);
    expect(spec.scenePath).toContain(`/${fullShot.name}/${taskType.name}/${fullShot.name}.blend`);
    expect(spec.outputPath).toBe(
      `/render/${fullShot.name}/${fullData.frame_in}-${fullData.frame_out}/${fullShot.name}.####`,
    );
    expect(spec.name).toContain(`${project.name} `);
    expect(spec.name.endsWith(`${fullShot.name} ${taskType.name}`)).toBe(true);
    if (framesOnly) {
      const nb = zou.data.entities.get(framesOnly.entity_id)!.nb_frames!;
      const other = result.dryRun!.find((s) => s.kitsu.taskId === framesOnly.id)!;
      expect([other.frameIn, other.frameOut]).toEqual([1, nb]);
    }
    if (none) {
      expect(result.errors).toEqual([
        expect.objectContaining({ taskId: none.id, reason: expect.stringMatching(/frame range/) }),
      ]);
      expect(commentsOn(zou, none.id)).toEqual([]);
    }
    // Other features (job-end notification) may comment too: only the render's own count here.
    const comments = commentsOn(zou, full.id).filter((c) => c.text.startsWith('Render submitted'));
    expect(comments).toHaveLength(1);
    expect(comments[0].person_id).toBe(zou.data.people.supervisor.id);
    expect(comments[0].text).toMatch(
      new RegExp(
        `^Render submitted to .*: job \\S+, frames ${fullData.frame_in}-${fullData.frame_out}`,
      ),
    );
    const wip = [...zou.data.taskStatuses.values()].find((s) => s.short_name === 'wip')!;
    expect(zou.data.tasks.get(full.id)!.task_status_id).toBe(wip.id);
  });
});

interface FarmUnderTest {
  kind: string;
  start(): Promise<{
    url: string;
    env: Record<string, string>;
    advance(jobId: string, state: SimJobState, progress?: number, message?: string): void;
    submissions(): Array<{ verdict: string }>;
    log(): FarmRequestLogEntry[];
    setUnavailable(unavailable: boolean): void;
    close(): Promise<void>;
  }>;
}

const FARMS: FarmUnderTest[] = [
  {
    kind: 'flamenco',
    async start() {
      const sim = await startFlamencoSimulator();
      return {
        url: sim.url,
        env: { FLAMENCO_URL: sim.url },
        advance: (...a) => sim.advance(...a),
        submissions: () => sim.submissions(),
        log: () => sim.log,
        setUnavailable: (unavailable) => sim.setUnavailable(unavailable),
        close: () => sim.close(),
      };
    },
  },
  {
    kind: 'afanasy',
    async start() {
      const sim = await startAfanasySimulator();
      return {
        url: sim.url,
        env: { AFANASY_URL: sim.url },
        advance: (...a) => sim.advance(...a),
        submissions: () => sim.submissions(),
        log: () => sim.log,
        setUnavailable: (unavailable) => sim.setUnavailable(unavailable),
        close: () => sim.close(),
      };
    },
  },
  {
    kind: 'deadline',
    async start() {
      const sim = await startDeadlineSimulator();
      return {
        url: sim.url,
        env: { DEADLINE_URL: sim.url },
        advance: (...a) => sim.advance(...a),
        submissions: () => sim.submissions(),
        log: () => sim.log,
        setUnavailable: (unavailable) => sim.setUnavailable(unavailable),
        close: () => sim.close(),
      };
    },
  },
];

describe.each(FARMS)('render action on $kind', (farmUnderTest) => {
  let zou: ZouSimulator;
  let farm: Awaited<ReturnType<FarmUnderTest['start']>>;
  let stack: TestStack;
  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 12, size: 'small' });
    farm = await farmUnderTest.start();
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        RENDER_FARM: farmUnderTest.kind,
        ...farm.env,
        RENDER_TRACK_INTERVAL_MS: '20',
        RENDER_STATUS_ON_DONE: 'wfa',
        RENDER_STATUS_ON_FAIL: 'retake',
        ZOU_RETRIES: '0',
        // The render comments on its own; the generic job-end comment would race its status change.
        FEEDBACK_RENDER: 'never',
        FEEDBACK_RENDER_TRACK: 'never',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await farm.close();
    await zou.close();
  });

  it('never submits a task twice when the job is retried after a submission', async () => {
    const [, , first, second] = shotTasks(zou, 'full');
    // The second task's comment fails once: the attempt fails after both submissions.
    zou.injectFaults({ status: 500, path: `/actions/tasks/${second.id}/comment` });
    const before = farm.submissions().filter((s) => s.verdict === 'accepted').length;
    const result = await render(stack, zou, [first, second]);
    const after = farm.submissions().filter((s) => s.verdict === 'accepted').length;
    expect(after - before).toBe(2);
    expect(result.tasks.map((t) => t.taskId)).toEqual([first.id, second.id]);
    expect(
      commentsOn(zou, first.id).filter((c) => c.text.startsWith('Render submitted')),
    ).toHaveLength(1);
    expect(
      commentsOn(zou, second.id).filter((c) => c.text.startsWith('Render submitted')),
    ).toHaveLength(1);
  });

  it('cancels the renders still followed for the selected tasks, with a comment, and stops tracking', async () => {
    const tasks = shotTasks(zou, 'full');
    const [running, idle] = [tasks[4], tasks[5]];
    const submitted = await render(stack, zou, [running]);
    const farmJobId = submitted.tasks[0].farmJobId!;
    const person = zou.data.people.supervisor;
    const cancelId = await click(stack, zou, 'render-cancel', [running, idle]);
    await stack.waitForJob(cancelId);
    const job = await request(stack.url)
      .get(`/jobs/${cancelId}`)
      .set('Accept', 'application/json')
      .expect(200);
    const result = job.body.result as RenderCancelResult;
    expect(result.canceled).toEqual([{ taskId: running.id, farmJobId }]);
    expect(result.notRunning).toEqual([idle.id]);
    expect(result.errors).toEqual([]);
    // The farm was told, in its own way (Flamenco setstatus, Deadline suspend, Afanasy delete).
    const told = farm
      .log()
      .filter(
        (e) =>
          e.method !== 'GET' &&
          e.verdict === 'accepted' &&
          (e.path.includes(farmJobId) || e.rawBody.includes(farmJobId)) &&
          !(e.method === 'POST' && e.path.endsWith('/jobs') && !e.rawBody.includes('"ids"')),
      );
    expect(told.length).toBeGreaterThan(0);
    const canceledComment = commentsOn(zou, running.id).find((c) =>
      c.text.startsWith('Render canceled'),
    );
    expect(canceledComment?.text).toContain(`by ${person.full_name}: job ${farmJobId}`);
    expect(canceledComment?.person_id).toBe(person.id);
    // Tracking ends at its next poll, without a comment of its own.
    const tracking = stack.app.get(JobQueues).get('render-tracking');
    await until('tracking to stop', async () => {
      const pending = await tracking.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
      const followed = pending.some(
        (j) => (j?.data as { track?: { farmJobId?: string } })?.track?.farmJobId === farmJobId,
      );
      return followed ? undefined : true;
    });
    expect(
      commentsOn(zou, running.id).filter((c) => /^Render (done|failed|canceled on)/.test(c.text)),
    ).toHaveLength(1);
    expect(commentsOn(zou, idle.id).filter((c) => c.text.startsWith('Render'))).toEqual([]);
  });

  it('stops tracking cleanly when the task is deleted from Kitsu', async () => {
    const task = shotTasks(zou, 'full')[6];
    const submitted = await render(stack, zou, [task]);
    const farmJobId = submitted.tasks[0].farmJobId!;
    zou.data.tasks.delete(task.id);
    const tracking = stack.app.get(JobQueues).get('render-tracking');
    const last = await until('tracking to stop', async () => {
      const jobs = await tracking.getJobs(['completed', 'delayed', 'waiting', 'active']);
      const mine = jobs.filter(
        (j) => (j?.data as { track?: { farmJobId?: string } })?.track?.farmJobId === farmJobId,
      );
      return mine.find(
        (j) => (j.returnvalue as { state?: string } | undefined)?.state === 'task-gone',
      );
    });
    expect(last.returnvalue).toMatchObject({ taskId: task.id, state: 'task-gone' });
    const pending = await tracking.getJobs(['delayed', 'waiting', 'active']);
    expect(
      pending.filter(
        (j) => (j?.data as { track?: { farmJobId?: string } })?.track?.farmJobId === farmJobId,
      ),
    ).toEqual([]);
  });

  it('keeps tracking through an unreachable farm and reports the end once it is back', async () => {
    const task = shotTasks(zou, 'full')[7];
    const submitted = await render(stack, zou, [task]);
    const farmJobId = submitted.tasks[0].farmJobId!;
    const tracking = stack.app.get(JobQueues).get('render-tracking');
    farm.setUnavailable(true);
    // A poll fails on the cut connection and waits for its retry (BullMQ backoff).
    await until('a failed poll attempt', async () => {
      const jobs = await tracking.getJobs(['delayed', 'waiting', 'active', 'failed']);
      return jobs.find(
        (j) =>
          (j?.data as { track?: { farmJobId?: string } })?.track?.farmJobId === farmJobId &&
          j.attemptsMade > 0,
      );
    });
    farm.setUnavailable(false);
    farm.advance(farmJobId, 'completed', 100);
    const done = await until('done comment', () =>
      commentsOn(zou, task.id).find((c) => c.text.startsWith('Render done')),
    );
    expect(done.text).toContain(farmJobId);
  });

  it('submits, comments, and tracks one shot to completion and another to failure', async () => {
    const [good, bad] = shotTasks(zou, 'full');
    const result = (await render(stack, zou, [good, bad])) as RenderResult & { jobId: string };
    expect(result.errors).toEqual([]);
    const [goodJob, badJob] = result.tasks;
    expect(goodJob.farmJobId).toBeTruthy();
    // Submitted is not done: the render runs until both farm jobs have ended.
    const running = await request(stack.url)
      .get(`/jobs/${result.jobId}`)
      .set('Accept', 'application/json')
      .expect(200);
    expect(running.body).toMatchObject({
      state: 'active',
      finishedAt: null,
      live: { phase: 'running', label: 'Rendering' },
    });
    expect(running.body.progress.message).toMatch(/^Rendering on the farm: 0 of 2 done, /);
    expect(running.body.progress.percent).toBeLessThan(100);
    const listed = async () =>
      (
        await request(stack.url)
          .get('/jobs?limit=200')
          .set('Accept', 'application/json')
          .expect(200)
      ).body.jobs.find((j: { id: string }) => j.id === result.jobId);
    expect(await listed()).toMatchObject({ state: 'active', live: { label: 'Rendering' } });
    // Its tracking polls are follow-up work, shown on the render's page, not in the list.
    const everyListed = (
      await request(stack.url).get('/jobs?limit=200').set('Accept', 'application/json').expect(200)
    ).body.jobs as Array<{ action: string }>;
    expect(everyListed.map((j) => j.action)).not.toContain('render-track');
    expect(
      commentsOn(zou, good.id).find((c) => c.text.startsWith('Render submitted'))?.text,
    ).toContain(`job ${goodJob.farmJobId}`);
    farm.advance(goodJob.farmJobId!, 'completed', 100);
    farm.advance(badJob.farmJobId!, 'failed', 40, 'Blender crashed on frame 1042');
    const statuses = [...zou.data.taskStatuses.values()];
    const wfa = statuses.find((s) => s.short_name === 'wfa')!;
    const retake = statuses.find((s) => s.short_name === 'retake')!;
    await until('done comment', () =>
      commentsOn(zou, good.id).find((c) => c.text.startsWith('Render done')),
    );
    const failed = await until('failed comment', () =>
      commentsOn(zou, bad.id).find((c) => c.text.startsWith('Render failed')),
    );
    // Each farm words its failure its own way; the comment carries what the farm said.
    expect(failed.text).toMatch(/^Render failed on .+: job \S+: \S/);
    expect(failed.person_id).toBe(zou.data.people.supervisor.id);
    expect(zou.data.tasks.get(good.id)!.task_status_id).toBe(wfa.id);
    expect(zou.data.tasks.get(bad.id)!.task_status_id).toBe(retake.id);
    // The render job ended at submission; its page shows where each farm job is now.
    // (The live state is written just after the poll's comment: wait for it, not the comment.)
    const [goodNow, badNow] = await until('live farm states on the render job', async () => {
      const now = await request(stack.url)
        .get(`/jobs/${result.jobId}`)
        .set('Accept', 'application/json')
        .expect(200);
      const tasks = (now.body.result as RenderResult).tasks;
      return tasks.every((t) => ['completed', 'failed'].includes(t.state)) ? tasks : undefined;
    });
    expect(goodNow).toMatchObject({ taskId: good.id, state: 'completed', progress: 100 });
    expect(badNow).toMatchObject({ taskId: bad.id, state: 'failed' });
    expect(badNow.message).toMatch(/\S/);
    const ended = await request(stack.url)
      .get(`/jobs/${result.jobId}`)
      .set('Accept', 'application/json')
      .expect(200);
    expect(ended.body).toMatchObject({
      state: 'completed',
      live: { phase: 'ended', label: 'Some failed', tone: 'warning' },
      progress: { percent: 100, message: '1 of 2 tasks rendered, 1 failed' },
    });
    expect(ended.body.finishedAt).toBeTruthy();
    expect(await listed()).toMatchObject({ state: 'completed', live: { label: 'Some failed' } });
    const html = await request(stack.url)
      .get(`/jobs/${result.jobId}`)
      .set('Accept', 'text/html')
      .expect(200);
    expect(html.text).toContain(goodJob.farmJobId!);
    expect(html.text).toContain(`/jobs/${goodJob.trackingJobId}`);
    const firstPoll = await request(stack.url)
      .get(`/jobs/${goodJob.trackingJobId}`)
      .set('Accept', 'application/json')
      .expect(200);
    expect(firstPoll.body.result).toEqual(
      expect.objectContaining({ taskId: good.id, farmJobId: goodJob.farmJobId }),
    );
  });
});
