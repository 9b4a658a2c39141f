import request from 'supertest';
import { startDeadlineSimulator, type DeadlineSimulator } from '../../dev/simulator/farms';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { kitsuShotFormFields } from '../support/kitsu-page';
import { startStack, type TestStack } from '../support/stack';

const KEY = 'options-live-shared-key-0123456789';

/**
 * Option forms with choices listed live and in steps, through HTTP as a browser sends them:
 * render on Deadline (pool or group, then one the Web Service lists), the playlist's task type
 * listed from Zou, authorization judged again at Run, and the options routes rate-limited.
 */
describe('option forms listed live, in steps', () => {
  let zou: ZouSimulator;
  let farm: DeadlineSimulator;
  let stack: TestStack;
  let tasks: ZouTask[];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 7, size: 'small' });
    farm = await startDeadlineSimulator({ pools: ['lighting', 'fx'], groups: ['gpu', 'cpu'] });
    const shotTasks = [...zou.data.tasks.values()].filter((task) => {
      const entity = zou.data.entities.get(task.entity_id);
      const data = (entity?.data ?? {}) as Record<string, unknown>;
      return (
        entity?.type === 'Shot' &&
        task.project_id === zou.data.projectIds.tvShow &&
        data.frame_in !== undefined
      );
    });
    // Two tasks of one task type, so the playlist's default is that task type.
    tasks = shotTasks.filter((t) => t.task_type_id === shotTasks[0].task_type_id).slice(0, 2);
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: KEY,
        KITSU_URL: 'https://kitsu.test',
        RENDER_FARM: 'deadline',
        DEADLINE_URL: farm.url,
        RENDER_TRACKING: 'off',
        FEEDBACK_RENDER: 'never',
        FEEDBACK_PLAYLIST: 'never',
        ZOU_RETRIES: '0',
        RATE_LIMIT_PER_IP: '80',
        RATE_LIMIT_PER_PERSON: '80',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await farm?.close();
    await zou?.close();
  });

  const person = () => zou.data.people.supervisor;
  const origin = () => new URL(stack.url).origin;

  /** A form-mode click as Kitsu posts it; answers the options path and the browser's cookie. */
  async function click(
    action: string,
    selected = tasks,
  ): Promise<{ path: string; cookie: string }> {
    const answer = await request(stack.url)
      .post(`/actions/${action}?key=${KEY}`)
      .set({ accept: 'text/html', origin: origin() })
      .type('form')
      .send(kitsuShotFormFields(person(), selected))
      .redirects(0)
      .expect(303);
    const cookie = ([] as string[])
      .concat(answer.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('ka_options='))!;
    return { path: String(answer.headers.location), cookie };
  }
  const show = (form: { path: string; cookie: string }) =>
    request(stack.url).get(form.path).set({ cookie: form.cookie, accept: 'text/html' });
  const post = (form: { path: string; cookie: string }, values: Record<string, string>) =>
    request(stack.url)
      .post(form.path)
      .set({ cookie: form.cookie, accept: 'text/html', origin: origin() })
      .type('form')
      .send(values)
      .redirects(0);
  const optionsOf = (html: string, field: string) =>
    [
      ...(
        new RegExp(`<select id="option-${field}"[^>]*>(.*?)</select>`).exec(html)?.[1] ?? ''
      ).matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g),
    ].map((m) => ({ value: m[1], label: m[3], selected: Boolean(m[2]) }));
  const deadlineJobs = () =>
    farm
      .submissions()
      .filter((e) => e.verdict === 'accepted')
      .map((e) => (e.body as { JobInfo: Record<string, string> }).JobInfo);

  it('asks pool or group first, then lists that kind from Deadline; the job carries the choice', async () => {
    const form = await click('render');
    const step1 = await show(form).expect(200);
    expect(step1.text).toContain('step 1 of 2');
    expect(optionsOf(step1.text, 'poolType').map((o) => o.label)).toEqual([
      'Farm default',
      'Pool',
      'Group',
    ]);
    await post(form, { priority: '70', poolType: 'group', frameRange: '', framesPerTask: '10' })
      .expect(303)
      .expect('location', form.path);

    const step2 = await show(form).expect(200);
    expect(step2.text).toContain('step 2 of 2');
    expect(step2.text).toContain('<div data-kept="poolType"><dt>Send to</dt><dd>Group</dd></div>');
    expect(optionsOf(step2.text, 'pool').map((o) => o.value)).toEqual(['', 'none', 'gpu', 'cpu']);
    // Back: step 1 again, showing what was chosen there; Next moves on again.
    await request(stack.url)
      .post(`${form.path}/back`)
      .set({ cookie: form.cookie, accept: 'text/html', origin: origin() })
      .redirects(0)
      .expect(303)
      .expect('location', form.path);
    const again = await show(form).expect(200);
    expect(again.text).toContain('step 1 of 2');
    expect(again.text).not.toContain('id="back"');
    expect(again.text).toMatch(/id="option-priority" name="priority" value="70"/);
    expect(optionsOf(again.text, 'poolType').find((o) => o.selected)?.value).toBe('group');
    await post(form, { priority: '70', poolType: 'group', frameRange: '', framesPerTask: '10' })
      .expect(303)
      .expect('location', form.path);
    expect((await show(form).expect(200)).text).toContain('id="back"');
    // A value Deadline does not list, and an attempt to change step 1 from step 2.
    const refused = await post(form, { pool: 'lighting', priority: '1' }).expect(422);
    expect(refused.text).toContain(
      'Pool, group, tag or host must be one of the choices listed now (none, gpu, cpu)',
    );
    const before = deadlineJobs().length;
    const ran = await post(form, { pool: 'gpu', priority: '1' }).expect(303);
    expect(String(ran.headers.location)).toMatch(/^\/jobs\/render\./);
    await stack.waitForJob(String(ran.headers.location).split('/')[2].split('?')[0]);
    const received = deadlineJobs().slice(before);
    expect(received).toHaveLength(2);
    for (const job of received) {
      expect(job.Group).toBe('gpu');
      expect(job.Pool).toBeUndefined();
      expect(job.Priority).toBe('70');
    }
  });

  it('shows the form when Deadline cannot be reached, the field explained, not a 5xx', async () => {
    const form = await click('render');
    await post(form, { poolType: 'pool' }).expect(303);
    farm.setUnavailable(true);
    try {
      const step2 = await show(form).expect(200);
      expect(step2.text).toMatch(
        /id="option-pool-unavailable"[^>]*>Not listed now: Deadline did not answer/,
      );
      expect(optionsOf(step2.text, 'pool').map((o) => o.label)).toEqual(['Farm default']);
      const refused = await post(form, { pool: 'lighting' }).expect(422);
      expect(refused.text).toContain('Pool, group, tag or host cannot be checked now');
    } finally {
      farm.setUnavailable(false);
    }
    const before = deadlineJobs().length;
    const ran = await post(form, { pool: 'lighting' }).expect(303);
    await stack.waitForJob(String(ran.headers.location).split('/')[2].split('?')[0]);
    expect(
      deadlineJobs()
        .slice(before)
        .map((job) => job.Pool),
    ).toEqual(['lighting', 'lighting']);
  });

  it('refuses a script pool Deadline does not list, naming the field (400)', async () => {
    const answer = await request(stack.url)
      .post(`/actions/render?key=${KEY}`)
      .send({
        userid: person().id,
        useremail: person().email,
        selection: [tasks[0].id],
        options: { poolType: 'pool', pool: 'gpu' },
      })
      .expect(400);
    expect(answer.body.errors).toEqual([
      {
        field: 'options.pool',
        reason: 'must be one of the choices listed now (none, lighting, fx)',
      },
    ]);
  });

  it("lists the project's task types from Kitsu for the playlist, the selection's own by default", async () => {
    const form = await click('playlist');
    const page = await show(form).expect(200);
    const listed = optionsOf(page.text, 'taskType');
    const projectTypes = await request(zou.url)
      .get(`/data/projects/${tasks[0].project_id}/task-types`)
      .set('Authorization', `Bearer ${zou.tokens.bot}`)
      .expect(200);
    expect(listed.slice(1).map((o) => o.value)).toEqual(
      (projectTypes.body as Array<{ id: string }>).map((t) => t.id),
    );
    expect(listed.find((o) => o.selected)?.value).toBe(tasks[0].task_type_id);
    const other = listed.find((o) => o.value && o.value !== tasks[0].task_type_id)!;
    const ran = await post(form, { name: '', taskType: other.value }).expect(303);
    const jobPath = String(ran.headers.location);
    await stack.waitForJob(jobPath.split('/')[2].split('?')[0]);
    const job = await request(stack.url).get(jobPath).set('Accept', 'application/json').expect(200);
    expect(job.body.result.skipped.map((s: { reason: string }) => s.reason)).toEqual([
      `not a ${other.label} task (the task type chosen)`,
      `not a ${other.label} task (the task type chosen)`,
    ]);
    const bad = await request(stack.url)
      .post(`/actions/playlist?key=${KEY}`)
      .send({
        userid: person().id,
        useremail: person().email,
        selection: [tasks[0].id],
        options: { taskType: 'not-a-task-type' },
      })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('options.taskType');
  });

  it('offers the name PLAYLIST_NAME_TEMPLATE gives the selection, and the playlist is named so', async () => {
    const { entities, taskTypes } = zou.data;
    const episodeOf = (task: ZouTask) =>
      entities.get(entities.get(task.entity_id)!.parent_id!)!.parent_id;
    const withPreview = [...zou.data.tasks.values()].filter(
      (t) =>
        t.last_preview_file_id &&
        entities.get(t.entity_id)?.type === 'Shot' &&
        t.project_id === zou.data.projectIds.tvShow,
    );
    // Two tasks of one shot, of two task types: one playlist, named for both types.
    const shot = withPreview.find((t) =>
      withPreview.some((o) => o.entity_id === t.entity_id && o.task_type_id !== t.task_type_id),
    )!;
    const pair = [
      shot,
      withPreview.find(
        (o) => o.entity_id === shot.entity_id && o.task_type_id !== shot.task_type_id,
      )!,
    ];
    const typeName = (task: ZouTask) => taskTypes.get(task.task_type_id)!.name;
    const nameOf = (html: string) => /id="option-name" name="name" value="([^"]*)"/.exec(html)?.[1];
    const stamp = String.raw` review \d{4}-\d{2}-\d{2} \d{2}:\d{2}$`;

    const form = await click('playlist', pair);
    const offered = nameOf((await show(form).expect(200)).text)!;
    expect(offered).toMatch(new RegExp(`^${typeName(pair[0])}, ${typeName(pair[1])}${stamp}`));
    // Left as offered: the playlist gets that very name.
    const ran = await post(form, { name: offered, taskType: '' }).expect(303);
    const jobPath = String(ran.headers.location);
    await stack.waitForJob(jobPath.split('/')[2].split('?')[0]);
    const job = await request(stack.url).get(jobPath).set('Accept', 'application/json').expect(200);
    expect(job.body.result.playlists.map((p: { name: string }) => p.name)).toEqual([offered]);

    // Left as offered while one task type is chosen: named for that type, as the hint says.
    const retyped = await click('playlist', pair);
    const again = nameOf((await show(retyped).expect(200)).text)!;
    const ran2 = await post(retyped, { name: again, taskType: pair[1].task_type_id }).expect(303);
    const jobPath2 = String(ran2.headers.location);
    await stack.waitForJob(jobPath2.split('/')[2].split('?')[0]);
    const job2 = await request(stack.url)
      .get(jobPath2)
      .set('Accept', 'application/json')
      .expect(200);
    const [built] = job2.body.result.playlists as Array<{ name: string }>;
    expect(built.name).toMatch(new RegExp(`^${typeName(pair[1])}${stamp}`));

    // Two episodes make two playlists: no one name to offer, each gets its own.
    const apart = withPreview.find(
      (t) => t.task_type_id === shot.task_type_id && episodeOf(t) !== episodeOf(shot),
    )!;
    const split = await click('playlist', [shot, apart]);
    const page = (await show(split).expect(200)).text;
    expect(nameOf(page)).toBe('');
    expect(page).toContain('each playlist its own name');
  });

  it('judges authorization again at Run: a role lowered in Kitsu since the click is a 403', async () => {
    // Playlists are for supervisors and up; the form was opened while the person was one.
    const form = await click('playlist');
    await show(form).expect(200);
    const supervisor = zou.data.persons.get(person().id)!;
    const key = `${tasks[0].project_id}/${supervisor.id}`;
    const saved = { role: supervisor.role, projectRole: zou.data.projectRoles.get(key) };
    supervisor.role = 'user';
    zou.data.projectRoles.set(key, 'user');
    try {
      const refused = await post(form, {}).expect(403);
      expect(refused.text).toMatch(/may not run playlist/);
      // Nothing queued, and the form is gone.
      await show(form).expect(410);
    } finally {
      supervisor.role = saved.role;
      if (saved.projectRole) zou.data.projectRoles.set(key, saved.projectRole);
      else zou.data.projectRoles.delete(key);
    }
  });

  it("counts requests to /options against the address, as the intake's limiter does (429)", async () => {
    const form = await click('render');
    let status = 200;
    for (let i = 0; i < 100 && status !== 429; i++) status = (await show(form)).status;
    expect(status).toBe(429);
    const limited = await show(form).set('accept', 'application/json').expect(429);
    expect(limited.body.message).toMatch(/^Too many actions from this address/);
  });
});
