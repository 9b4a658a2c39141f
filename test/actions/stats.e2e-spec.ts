import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startZouStack, type ZouStack } from '../support/stack';

const DAY_HOURS = 6;

/** The figures recomputed here from the simulator's rows, written apart from the action's code. */
function expected(zou: ZouSimulator, tasks: ZouTask[], asOf: string, dayHours: number) {
  // Calendar days in UTC (the default zone): today's midnight, and each due date's day.
  const now = new Date(asOf.slice(0, 10) + 'T00:00:00Z').getTime();
  const monday = new Date(asOf);
  monday.setUTCHours(0, 0, 0, 0);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const weekStart = monday.getTime();
  const weekEnd = weekStart + 7 * 86_400_000;
  const isDone = (t: ZouTask) => zou.data.taskStatuses.get(t.task_status_id)!.is_done;
  const due = (t: ZouTask) =>
    t.due_date ? new Date(`${t.due_date.slice(0, 10)}T00:00:00Z`).getTime() : null;
  const late = (t: ZouTask) => !isDone(t) && due(t) !== null && due(t)! < now;
  const remaining = (t: ZouTask) => (isDone(t) ? 0 : Math.max(0, t.estimation - t.duration));
  const toDays = (minutes: number) => minutes / 60 / dayHours;

  const perType = new Map<string, ZouTask[]>();
  for (const t of tasks) perType.set(t.task_type_id, [...(perType.get(t.task_type_id) ?? []), t]);
  const taskTypes = [...perType.entries()].map(([id, list]) => {
    const byStatus: Record<string, number> = {};
    for (const t of list) byStatus[t.task_status_id] = (byStatus[t.task_status_id] ?? 0) + 1;
    const done = list.filter(isDone).length;
    return {
      taskTypeId: id,
      total: list.length,
      done,
      completion: done / list.length,
      byStatus,
      estimationDays: toDays(list.reduce((s, t) => s + t.estimation, 0)),
      durationDays: toDays(list.reduce((s, t) => s + t.duration, 0)),
      remainingDays: toDays(list.reduce((s, t) => s + remaining(t), 0)),
      overrunTasks: list.filter((t) => t.estimation > 0 && t.duration > t.estimation).length,
      tasksWithRetakes: list.filter((t) => t.retake_count > 0).length,
      retakeCount: list.reduce((s, t) => s + t.retake_count, 0),
      lateTasks: list.filter(late).length,
    };
  });
  const lateTasks = tasks.filter(late).map((t) => ({
    taskId: t.id,
    daysLate: Math.round((now - due(t)!) / 86_400_000),
  }));
  const dueThisWeek = tasks.filter(
    (t) => !isDone(t) && due(t) !== null && due(t)! >= weekStart && due(t)! < weekEnd,
  );

  const people = new Map<string | null, { open: number; remaining: number; late: number }>();
  for (const t of tasks) {
    for (const who of t.assignees.length ? t.assignees : [null]) {
      const row = people.get(who) ?? { open: 0, remaining: 0, late: 0 };
      if (!isDone(t)) row.open++;
      row.remaining += toDays(remaining(t));
      if (late(t)) row.late++;
      people.set(who, row);
    }
  }

  // Frames: shots of the tasks, done when every one of their tasks in scope is done.
  const shots = new Map<string, boolean>();
  for (const t of tasks) {
    const entity = zou.data.entities.get(t.entity_id)!;
    if (entity.type === 'Shot') shots.set(entity.id, (shots.get(entity.id) ?? true) && isDone(t));
  }
  const sequences = new Map<string, { total: number; done: number }>();
  let totalFrames = 0;
  let doneFrames = 0;
  for (const [shotId, done] of shots) {
    const shot = zou.data.entities.get(shotId)!;
    const frames = shot.nb_frames ?? 0;
    const row = sequences.get(shot.parent_id!) ?? { total: 0, done: 0 };
    row.total += frames;
    totalFrames += frames;
    if (done) {
      row.done += frames;
      doneFrames += frames;
    }
    sequences.set(shot.parent_id!, row);
  }
  return { taskTypes, lateTasks, dueThisWeek, people, sequences, totalFrames, doneFrames, isDone };
}

/** The action rounds to hundredths. */
function near(got: unknown, want: number) {
  expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(0.0051);
}

interface StatsBody {
  asOf: string;
  dayHours: number;
  overall: Record<string, number>;
  taskTypes: Array<Record<string, unknown> & { taskTypeId: string }>;
  late: Array<{ taskId: string; daysLate: number }>;
  dueThisWeek: Array<{ taskId: string }>;
  assignees: Array<{
    personId: string | null;
    openTasks: number;
    remainingDays: number;
    lateTasks: number;
  }>;
  frames: {
    totalFrames: number;
    doneFrames: number;
    sequences: Array<{ id: string; totalFrames: number; doneFrames: number }>;
  };
  rows: unknown[];
  scope: string;
}

function checkFigures(
  zou: ZouSimulator,
  tasks: ZouTask[],
  result: StatsBody,
  dayHours = DAY_HOURS,
) {
  const want = expected(zou, tasks, result.asOf, dayHours);
  expect(result.overall.total).toBe(tasks.length);
  expect(result.overall.done).toBe(tasks.filter(want.isDone).length);
  expect(result.taskTypes).toHaveLength(want.taskTypes.length);
  for (const type of want.taskTypes) {
    const got = result.taskTypes.find((t) => t.taskTypeId === type.taskTypeId)!;
    expect(got).toMatchObject({
      total: type.total,
      done: type.done,
      byStatus: type.byStatus,
      overrunTasks: type.overrunTasks,
      tasksWithRetakes: type.tasksWithRetakes,
      retakeCount: type.retakeCount,
      lateTasks: type.lateTasks,
    });
    near(got.completion, type.completion);
    near(got.estimationDays, type.estimationDays);
    near(got.durationDays, type.durationDays);
    near(got.remainingDays, type.remainingDays);
    near(got.retakeRate, type.tasksWithRetakes / type.total);
  }
  expect(
    result.late
      .map((t) => ({ taskId: t.taskId, daysLate: t.daysLate }))
      .sort((a, b) => a.taskId.localeCompare(b.taskId)),
  ).toEqual(want.lateTasks.sort((a, b) => a.taskId.localeCompare(b.taskId)));
  expect(result.overall.lateTasks).toBe(want.lateTasks.length);
  expect(result.dueThisWeek.map((t) => t.taskId).sort()).toEqual(
    want.dueThisWeek.map((t) => t.id).sort(),
  );
  expect(result.assignees).toHaveLength(want.people.size);
  for (const [personId, row] of want.people) {
    const got = result.assignees.find((a) => a.personId === personId)!;
    expect(got.openTasks).toBe(row.open);
    expect(got.lateTasks).toBe(row.late);
    near(got.remainingDays, row.remaining);
  }
  expect(result.frames.totalFrames).toBe(want.totalFrames);
  expect(result.frames.doneFrames).toBe(want.doneFrames);
  expect(result.frames.sequences).toHaveLength(want.sequences.size);
  for (const [sequenceId, row] of want.sequences) {
    expect(result.frames.sequences.find((s) => s.id === sequenceId)).toMatchObject({
      totalFrames: row.total,
      doneFrames: row.done,
    });
  }
  expect(result.rows).toHaveLength(tasks.length);
}

describe('stats action against the Zou simulator', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 21, size: 'medium' },
      {
        env: { STATS_DAY_HOURS: String(DAY_HOURS) },
      },
    );
    zou = stack.zou;
  });
  afterAll(() => stack.close());

  async function run(taskIds: string[], query = '', options?: object) {
    const person = zou.data.people.manager;
    const accepted = await request(stack.url)
      .post(`/actions/stats${query}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: zou.data.projectIds.tvShow,
        selection: taskIds,
        ...(options ? { options } : {}),
      })
      .expect(202);
    const jobId = accepted.body.jobId as string;
    await stack.waitForJob(jobId);
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(job.body.state).toBe('completed');
    return { jobId, result: job.body.result as StatsBody };
  }

  const tvTasks = () =>
    [...zou.data.tasks.values()].filter((t) => t.project_id === zou.data.projectIds.tvShow);

  it('computes every figure for a selection', async () => {
    // Every third task of the show: several task types, sequences, episodes and people.
    const selection = tvTasks().filter((_, i) => i % 3 === 0);
    const { result } = await run(selection.map((t) => t.id));
    expect(result.scope).toBe('selection');
    checkFigures(zou, selection, result);
  });

  it('computes every figure for the whole project with ?scope=project, in bounded calls', async () => {
    zou.resetLog();
    const { jobId, result } = await run([tvTasks()[0].id], '?scope=project');
    expect(result.scope).toBe('project');
    checkFigures(zou, tvTasks(), result);
    const pageSize = 500;
    const taskReads = zou.calls('GET /data/tasks').filter((c) => c.query.page !== undefined);
    expect(taskReads.length).toBe(Math.ceil(tvTasks().length / pageSize));
    // The write-back comments of finished jobs (one task read and one comment each) are not ours.
    const feedback = new Set(['GET /data/tasks/:id', 'POST /actions/tasks/:id/comment']);
    expect(zou.log.filter((c) => !feedback.has(c.route ?? '')).length).toBeLessThan(30);

    const csv = await fetch(`${stack.url}/jobs/${jobId}/result.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'task_id,project,episode,sequence,entity_type,entity,task_type,status,done,assignees,estimation_days,duration_days,remaining_days,overrun_days,due_date,days_late,due_this_week,retake_count,nb_frames',
    );
    expect(lines).toHaveLength(tvTasks().length + 1);
    // Two assignees are joined with ", ": the field must be quoted.
    const shared = tvTasks().find((t) => t.assignees.length === 2)!;
    const line = lines.find((l) => l.startsWith(shared.id))!;
    const names = shared.assignees.map((id) => zou.data.persons.get(id)!.full_name).join(', ');
    expect(line).toContain(`,"${names}",`);

    const page = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(page.text.match(/<svg/g)).toHaveLength(2);
    expect(page.text).toContain(`/jobs/${jobId}/result.csv`);

    const json = await request(stack.url).get(`/jobs/${jobId}/result.json`).expect(200);
    expect((json.body as StatsBody).overall.total).toBe(tvTasks().length);
  });

  it('computes in days of the chosen length (option dayLength), fractions allowed', async () => {
    const selection = tvTasks().filter((_, i) => i % 3 === 1);
    const { jobId, result } = await run(
      selection.map((t) => t.id),
      '',
      { dayLength: 7.5 },
    );
    expect(result.dayHours).toBe(7.5);
    // Figures in days of 7.5 h (with the configured 6 h they would differ: time was logged).
    expect(selection.some((t) => t.estimation > 0 || t.duration > 0)).toBe(true);
    checkFigures(zou, selection, result, 7.5);
    const page = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(page.text).toContain('Days of 7.5 h');
    expect(page.text).toContain(
      '<div data-option="dayLength"><dt>Hours per working day</dt><dd>7.5</dd></div>',
    );
    // Out of bounds: a 400 naming the option, nothing queued.
    const person = zou.data.people.manager;
    for (const dayLength of [0.5, 25, '8h']) {
      const refused = await request(stack.url)
        .post('/actions/stats')
        .send({
          userid: person.id,
          useremail: person.email,
          selection: [selection[0].id],
          options: { dayLength },
        })
        .expect(400);
      expect(refused.body.errors).toEqual([
        { field: 'options.dayLength', reason: expect.stringContaining('between 1 and 24') },
      ]);
    }
  });

  it('has no CSV for a job that is not statistics', async () => {
    await request(stack.url).get('/jobs/stats.999999/result.csv').expect(404);
  });
});
