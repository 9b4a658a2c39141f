import { Queue } from 'bullmq';
import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import { startZouStack, type ZouStack } from '../support/stack';
import { testRedisUrl } from '../support/test-env';

describe('authorization: who may run what, and who may see a job', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;
  let tvTask: string;
  let filmTask: string;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 12, size: 'small' },
      {
        workers: false,
        env: {
          AUTH_MODE: 'kitsu-session',
          AUTH_CACHE_SECONDS: '60',
          ACTION_ROLES: 'render=manager,admin',
        },
      },
    );
    zou = stack.zou;
    const tasks = [...zou.data.tasks.values()];
    tvTask = tasks.find((t) => t.project_id === zou.data.projectIds.tvShow)!.id;
    filmTask = tasks.find((t) => t.project_id === zou.data.projectIds.film)!.id;
    // Per-project roles, set as Kitsu does (recorded on Zou 1.0.67), before any click reads the
    // film team: the artist (global user) supervises the film, the supervisor is a user there.
    const { film } = zou.data.projectIds;
    for (const [who, role] of [
      ['artist', 'supervisor'],
      ['supervisor', 'user'],
    ] as const) {
      await request(zou.url)
        .put(`/data/projects/${film}/team/${zou.data.people[who].id}`)
        .set('Authorization', `Bearer ${zou.tokens.admin}`)
        .send({ role })
        .expect(200);
    }
  });
  afterAll(() => stack.close());

  type Who = keyof typeof zou.data.people;
  function post(action: string, who: Who, selection: string[], projectId: string | null = null) {
    const person = zou.data.people[who];
    return request(stack.url)
      .post(`/actions/${action}`)
      .set('Authorization', `Bearer ${zou.issueToken(person.id)}`)
      .send({ userid: person.id, useremail: person.email, productionid: projectId, selection });
  }

  it('refuses from its caches as it does from Zou, then asking Zou nothing', async () => {
    const { tvShow, film } = zou.data.projectIds;
    const clicks = [
      () => post('inspect', 'outsider', [tvTask]), // project-membership
      () => post('inspect', 'client', [tvTask, filmTask], tvShow), // membership, in the film
      () => post('inspect', 'manager', [tvTask], film), // claimed-project
      () => post('playlist', 'artist', [tvTask]), // action-role
      () => post('playlist', 'supervisor', [filmTask], film), // action-role, by the project role
    ];
    const authzCallsSince = (at: number) =>
      zou.log.slice(at).filter((entry) => entry.route !== 'GET /auth/authenticated');
    for (const click of clicks) {
      // First in this file: each person is new, so the first click reads its facts from Zou.
      const cold = zou.log.length;
      const first = await click().expect(403);
      expect(authzCallsSince(cold).length).toBeGreaterThan(0);
      const warm = zou.log.length;
      const again = await click().expect(403);
      expect(again.body).toEqual(first.body);
      expect(authzCallsSince(warm)).toEqual([]);
    }
  });

  it('refuses a person outside the project, naming the rule', async () => {
    const res = await post('inspect', 'outsider', [tvTask]).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, rule: 'project-membership' });
    expect(res.body.message).toMatch(/not in the team of project/);
  });

  it('judges a selection across projects task by task, productionid naming one of them', async () => {
    const { tvShow, film } = zou.data.projectIds;
    // Kitsu's "My tasks" sends the first task's project: the other task is judged in its own.
    await post('inspect', 'manager', [tvTask, filmTask], tvShow).expect(202);
    // The client is in the TV team only: the film task is refused, in its own project.
    const outside = await post('inspect', 'client', [tvTask, filmTask], tvShow).expect(403);
    expect(outside.body).toMatchObject({ rule: 'project-membership' });
    expect(outside.body.message).toContain(film);
    // A productionid that no selected task is in is refused.
    const claimed = await post('inspect', 'manager', [tvTask], film).expect(403);
    expect(claimed.body.rule).toBe('claimed-project');
    expect(claimed.body.message).toContain(film);
  });

  it('uses the role the project team gives, over the global role, both ways', async () => {
    const { film } = zou.data.projectIds;
    // Bob-like: global user, supervisor on the film: allowed a playlist there, not on the TV show.
    await post('playlist', 'artist', [filmTask], film).expect(202);
    const tv = await post('playlist', 'artist', [tvTask]).expect(403);
    expect(tv.body.rule).toBe('action-role');
    // Alice-like: global supervisor, user on the film: refused there, naming both roles.
    const refused = await post('playlist', 'supervisor', [filmTask], film).expect(403);
    expect(refused.body.rule).toBe('action-role');
    expect(refused.body.message).toMatch(
      /role "user" in project .* \(their project role; global role "supervisor"\) may not run playlist/,
    );
    // A selection over both projects needs the role in each.
    await post('playlist', 'supervisor', [tvTask, filmTask]).expect(403);
  });

  it('refuses a task Zou does not return instead of skipping it', async () => {
    const unknown = '0f0f0f0f-0000-4000-8000-000000000001';
    const res = await post('inspect', 'supervisor', [tvTask, unknown]).expect(403);
    expect(res.body.rule).toBe('task-visibility');
  });

  it('applies per-action roles: artist refused on playlist, supervisor accepted', async () => {
    const refused = await post('playlist', 'artist', [tvTask]).expect(403);
    expect(refused.body.rule).toBe('action-role');
    await post('playlist', 'supervisor', [tvTask]).expect(202);
    await post('inspect', 'artist', [tvTask]).expect(202);
  });

  it('answers a repeat click without any new Zou call', async () => {
    await post('inspect', 'manager', [tvTask]);
    const before = zou.log.length;
    await post('stats', 'manager', [tvTask]).expect(202);
    const authzCalls = zou.log
      .slice(before)
      .filter((entry) => entry.route !== 'GET /auth/authenticated');
    expect(authzCalls).toEqual([]);
  });

  it('shows a job to its person and to a manager, answers 404 to others', async () => {
    const accepted = await post('inspect', 'artist', [tvTask]).expect(202);
    const jobPath = `/jobs/${accepted.body.jobId}`;
    const as = (who: Who) =>
      request(stack.url)
        .get(jobPath)
        .set('Authorization', `Bearer ${zou.issueToken(zou.data.people[who].id)}`);
    await as('artist').expect(200);
    await as('manager').expect(200);
    await as('supervisor').expect(404);
    await request(stack.url).get(jobPath).expect(404);
    const listed = await request(stack.url)
      .get('/jobs')
      .set('Authorization', `Bearer ${zou.issueToken(zou.data.people.supervisor.id)}`)
      .expect(200);
    expect(listed.body.jobs.map((j: { id: string }) => j.id)).not.toContain(accepted.body.jobId);
  });

  it('names the service account outside a project team, in the 403 and in readiness', async () => {
    // A project whose team lacks the service account: Zou leaves its tasks out of the bot's reads.
    const film = zou.data.projects.get(zou.data.projectIds.film)!;
    const hiddenProject = { ...film, id: '0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6071', name: 'Hidden' };
    hiddenProject.team = [zou.data.people.admin.id, zou.data.people.artist.id];
    zou.data.projects.set(hiddenProject.id, hiddenProject);
    const source = zou.data.tasks.get(filmTask)!;
    const hiddenTask = { ...source, id: '0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6072' };
    hiddenTask.project_id = hiddenProject.id;
    zou.data.tasks.set(hiddenTask.id, hiddenTask);

    // Even an admin's click is refused (the bot cannot read the task), and the cause is named.
    const res = await post('inspect', 'admin', [hiddenTask.id], hiddenProject.id).expect(403);
    expect(res.body.rule).toBe('task-visibility');
    expect(res.body.message).toContain(`not in the team of project ${hiddenProject.id}`);
    expect(res.body.message).toContain(zou.data.people.bot.email);
    // Without productionid the project cannot be named, but the cause still is.
    const unnamed = await post('inspect', 'admin', [hiddenTask.id]).expect(403);
    expect(unnamed.body.message).toMatch(/its account .* is not in the team of their project/);

    const ready = await request(stack.url).get('/health/ready').expect(200);
    expect(ready.body.details.zou.warning).toMatch(/not in the team/);
    expect(ready.body.details.zou.notInTeamOf).toEqual(
      expect.arrayContaining([expect.objectContaining({ projectId: hiddenProject.id })]),
    );
    // Once the account is in the team, readiness stops reporting it.
    hiddenProject.team.push(zou.data.people.bot.id);
    const fixed = await request(stack.url).get('/health/ready').expect(200);
    expect(fixed.body.details.zou.notInTeamOf).toBeUndefined();
  });

  it('lets only the launcher, or the roles that may render, cancel a render', async () => {
    // Renders being followed, as render tracking leaves them in its queue (no worker runs here).
    const queue = (name: string) =>
      new Queue(name, { connection: { url: testRedisUrl() }, prefix: stack.env.QUEUE_PREFIX });
    const tracking = queue('render-tracking');
    const renderQueue = queue('render');
    const tvTasks = [...zou.data.tasks.values()]
      .filter((t) => t.project_id === zou.data.projectIds.tvShow)
      .map((t) => t.id);
    const [managersTask, artistsTask] = tvTasks.slice(5, 7);
    const follow = (taskId: string, who: Who, farmJobId: string) =>
      tracking.add('render-track', {
        action: 'render-track',
        request: { personId: zou.data.people[who].id },
        track: { parentJobId: 'render.x', taskId, farmJobId, url: null, poll: 1 },
      });
    try {
      await follow(managersTask, 'manager', 'farm-1');
      await follow(artistsTask, 'artist', 'farm-2');
      // ACTION_ROLES=render=manager,admin: the artist may not cancel the manager's render...
      const refused = await post('render-cancel', 'artist', [managersTask]).expect(403);
      expect(refused.body.rule).toBe('action-role');
      expect(refused.body.message).toMatch(/may cancel only the renders they launched/);
      expect(refused.body.message).toContain(zou.data.people.manager.id);
      // ...but may cancel their own, and only theirs (the job says so to the worker).
      const own = await post('render-cancel', 'artist', [artistsTask]).expect(202);
      const job = await renderQueue.getJob((own.body.jobId as string).split('.')[1]);
      expect(job!.data.authz.ownWorkOnly).toEqual([artistsTask]);
      // A manager (may render) cancels anyone's.
      await post('render-cancel', 'manager', [managersTask, artistsTask]).expect(202);
    } finally {
      await tracking.obliterate({ force: true });
      await tracking.close();
      await renderQueue.close();
    }
  });

  it('answers 503 with Retry-After when Zou is down during the check', async () => {
    const faults = Array.from({ length: 20 }, () => ({ status: 503 }));
    zou.injectFaults(...faults);
    const res = await post('inspect', 'client', [filmTask]);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    // Names what is missing, not "Internal error".
    expect(res.body.message).toMatch(/^Kitsu could not confirm .*: Zou .* failed \(HTTP 503\)/);
  });
});
