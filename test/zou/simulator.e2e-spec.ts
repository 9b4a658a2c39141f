import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import type { ZouPlaylist, ZouTask } from '../../src/zou/zou.types';

/** Whatever JSON.parse gives: tests read answers freely. */
type ParsedJson = ReturnType<typeof JSON.parse>;

/** Plain fetch against the simulator, as any Zou client would call it. */
async function call(
  sim: ZouSimulator,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: ParsedJson; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? sim.tokens.bot : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // HTML from a simulated proxy
  }
  return { status: response.status, body, headers: response.headers };
}

describe('Zou simulator', () => {
  let sim: ZouSimulator;
  let tv: string;
  let film: string;
  let tvTask: ZouTask;

  beforeAll(async () => {
    sim = await startZouSimulator({ seed: 11, size: 'small' });
    tv = sim.data.projectIds.tvShow;
    film = sim.data.projectIds.film;
    tvTask = [...sim.data.tasks.values()].find((task) => task.project_id === tv)!;
  });

  afterAll(() => sim.close());

  beforeEach(() => {
    sim.setFaults({});
    sim.setLatency(0);
    sim.resetLog();
  });

  describe('authentication', () => {
    it('answers GET / without a token', async () => {
      const { status, body } = await call(sim, 'GET', '/', { token: null });
      expect(status).toBe(200);
      expect(body.api).toBe('Zou');
    });

    it('logs in with email and password, then accepts the tokens and refreshes', async () => {
      const login = await call(sim, 'POST', '/auth/login', {
        token: null,
        body: { email: 'supervisor@example.com', password: sim.data.password },
      });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ login: true, user: { email: 'supervisor@example.com' } });
      const me = await call(sim, 'GET', '/auth/authenticated', { token: login.body.access_token });
      expect(me.body).toMatchObject({ authenticated: true, user: { role: 'supervisor' } });
      const refreshed = await call(sim, 'GET', '/auth/refresh-token', {
        token: login.body.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      expect(typeof refreshed.body.access_token).toBe('string');
      // An access token is not a refresh token, and the other way round.
      expect(
        (await call(sim, 'GET', '/auth/refresh-token', { token: login.body.access_token })).status,
      ).toBe(422);
      expect(
        (await call(sim, 'GET', '/data/projects', { token: login.body.refresh_token })).status,
      ).toBe(422);
    });

    it('refuses a wrong password and bots with 400 {login:false}', async () => {
      for (const email of ['admin@example.com', sim.data.people.bot.email]) {
        const password = email === 'admin@example.com' ? 'wrong' : sim.data.password;
        const { status, body } = await call(sim, 'POST', '/auth/login', {
          token: null,
          body: { email, password },
        });
        expect([status, body]).toEqual([400, { login: false }]);
      }
    });

    it('answers 401 {msg} without a token or with an expired one, 422 for a malformed one', async () => {
      const missing = await call(sim, 'GET', '/data/projects', { token: null });
      expect(missing.status).toBe(401);
      expect(missing.body.msg).toMatch(/^Missing JWT in cookies or headers/);
      const expired = sim.issueToken(sim.data.people.artist.id, { expiresInMs: -1000 });
      const late = await call(sim, 'GET', '/data/projects', { token: expired });
      expect([late.status, late.body.msg]).toEqual([401, 'Token has expired']);
      const garbage = await call(sim, 'GET', '/data/projects', { token: 'not-a-jwt' });
      expect(garbage.status).toBe(422);
      const forged = `${sim.tokens.artist.split('.').slice(0, 2).join('.')}.c2lnbmF0dXJl`;
      expect((await call(sim, 'GET', '/data/projects', { token: forged })).status).toBe(422);
    });

    it('expires tokens when its clock moves on, except the bot token', async () => {
      const token = sim.issueToken(sim.data.people.artist.id, { expiresInMs: 60_000 });
      expect((await call(sim, 'GET', '/auth/authenticated', { token })).status).toBe(200);
      sim.advanceClock(61_000);
      expect((await call(sim, 'GET', '/auth/authenticated', { token })).status).toBe(401);
      expect(
        (await call(sim, 'GET', '/auth/authenticated', { token: sim.tokens.bot })).status,
      ).toBe(200);
    });

    it('accepts the access_token_cookie cookie', async () => {
      const { status, body } = await call(sim, 'GET', '/auth/authenticated', {
        token: null,
        headers: { Cookie: `other=1; access_token_cookie=${sim.tokens.manager}` },
      });
      expect([status, body.user.email]).toEqual([200, 'manager@example.com']);
    });

    it('logs who called which route', async () => {
      await call(sim, 'GET', `/data/tasks/${tvTask.id}`);
      expect(sim.log).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: `/api/data/tasks/${tvTask.id}`,
          route: 'GET /data/tasks/:id',
          status: 200,
          personId: sim.data.people.bot.id,
        }),
      ]);
    });
  });

  describe('project membership', () => {
    it('gives an outsider 403 on a project and its tasks, and filters lists', async () => {
      const token = sim.tokens.outsider;
      expect((await call(sim, 'GET', `/data/projects/${tv}`, { token })).status).toBe(403);
      const task = await call(sim, 'GET', `/data/tasks/${tvTask.id}`, { token });
      expect([task.status, task.body.error]).toEqual([403, true]);
      expect((await call(sim, 'GET', `/data/projects/${tv}/tasks`, { token })).status).toBe(403);
      expect((await call(sim, 'GET', `/data/tasks?project_id=${tv}`, { token })).body).toEqual([]);
      expect((await call(sim, 'GET', '/data/projects', { token })).body).toEqual([]);
    });

    it('lets the admin see every project without being in a team', async () => {
      const { body } = await call(sim, 'GET', '/data/projects', { token: sim.tokens.admin });
      expect(body).toHaveLength(sim.data.projects.size);
    });

    it('shows a vendor only the tasks assigned to them', async () => {
      const vendor = sim.data.people.vendor.id;
      const { body } = await call(sim, 'GET', `/data/tasks?project_id=${film}`, {
        token: sim.tokens.vendor,
      });
      expect(body.length).toBeGreaterThan(0);
      expect(
        body.every((task: ZouTask) => sim.data.tasks.get(task.id)!.assignees.includes(vendor)),
      ).toBe(true);
    });
  });

  describe('lists', () => {
    const tasksOf = (projectId: string) =>
      [...sim.data.tasks.values()].filter((t) => t.project_id === projectId);

    it('answers a plain array without page, the envelope with page and limit', async () => {
      const plain = await call(sim, 'GET', `/data/tasks?project_id=${tv}&relations=true`);
      expect(plain.body).toHaveLength(tasksOf(tv).length);
      const paged = await call(
        sim,
        'GET',
        `/data/tasks?project_id=${tv}&relations=true&page=2&limit=10`,
      );
      expect(paged.body).toMatchObject({
        total: tasksOf(tv).length,
        nb_pages: Math.ceil(tasksOf(tv).length / 10),
        limit: 10,
        offset: 10,
        page: 2,
      });
      expect(paged.body.data).toHaveLength(10);
      const beyond = await call(sim, 'GET', `/data/tasks?project_id=${tv}&page=999&limit=10`);
      expect(beyond.body.data).toEqual([]);
      const defaultLimit = await call(sim, 'GET', `/data/tasks?page=1`);
      expect(defaultLimit.body.limit).toBe(100);
    });

    it('pages in update order, so every row appears once across pages', async () => {
      const ids: string[] = [];
      for (let page = 1; page <= Math.ceil(tasksOf(film).length / 25); page++) {
        const { body } = await call(
          sim,
          'GET',
          `/data/tasks?project_id=${film}&page=${page}&limit=25`,
        );
        ids.push(...body.data.map((task: ZouTask) => task.id));
      }
      expect(new Set(ids).size).toBe(tasksOf(film).length);
    });

    it('sends collection fields such as assignees only with relations=true', async () => {
      const bare = await call(sim, 'GET', `/data/tasks?id=${tvTask.id}`);
      expect(bare.body[0]).not.toHaveProperty('assignees');
      const full = await call(sim, 'GET', `/data/tasks?id=${tvTask.id}&relations=true`);
      expect(full.body[0].assignees).toEqual(tvTask.assignees);
      const single = await call(sim, 'GET', `/data/tasks/${tvTask.id}`);
      expect(single.body.assignees).toEqual(tvTask.assignees);
    });

    it('filters by any column, by a JSON id list, by name with wildcards; ignores unknown names', async () => {
      const some = tasksOf(tv)
        .slice(0, 3)
        .map((task) => task.id);
      const listed = await call(
        sim,
        'GET',
        `/data/tasks?id=${encodeURIComponent(JSON.stringify(some))}`,
      );
      expect(listed.body.map((task: ZouTask) => task.id).sort()).toEqual([...some].sort());
      const typeId = tvTask.task_type_id;
      const byType = await call(
        sim,
        'GET',
        `/data/tasks?project_id=${tv}&task_type_id=${typeId}&whatever=1`,
      );
      expect(byType.body.length).toBe(
        tasksOf(tv).filter((task) => task.task_type_id === typeId).length,
      );
      const statuses = await call(sim, 'GET', '/data/task-status?name=w%25');
      expect(
        statuses.body.map((status: { short_name: string }) => status.short_name).sort(),
      ).toEqual(['wfa', 'wip']);
    });

    it('answers 400 for a malformed id filter or list', async () => {
      expect((await call(sim, 'GET', '/data/tasks?project_id=nope')).status).toBe(400);
      expect((await call(sim, 'GET', '/data/tasks?id=[broken')).status).toBe(400);
      expect((await call(sim, 'GET', '/data/tasks/nope')).body).toEqual({
        error: true,
        message: 'Malformed ID.',
        data: null,
      });
    });

    it('answers 404 {error, message} for an unknown id or route', async () => {
      const missing = await call(sim, 'GET', '/data/tasks/00000000-0000-4000-8000-000000000000');
      expect([missing.status, missing.body.error]).toEqual([404, true]);
      expect((await call(sim, 'GET', '/data/nothing-here')).status).toBe(404);
    });

    it('refuses a request line longer than gunicorn allows, as Zou behind gunicorn does', async () => {
      const ids = Array.from({ length: 120 }, () => tvTask.id);
      const { status } = await call(
        sim,
        'GET',
        `/data/tasks?id=${encodeURIComponent(JSON.stringify(ids))}`,
      );
      expect(status).toBe(400);
    });

    it('pages /data/projects/:id/tasks with the fixed page size', async () => {
      const { body } = await call(sim, 'GET', `/data/projects/${tv}/tasks?page=1&limit=5`);
      expect(body.limit).toBe(100);
    });

    it('lists shots of a project sorted by name with their sequence name', async () => {
      const { body } = await call(sim, 'GET', `/data/shots?project_id=${film}`);
      expect(body.length).toBe(
        sim.data.counts.filmSequences * sim.data.counts.filmShotsPerSequence,
      );
      expect(body[0]).toMatchObject({ type: 'Shot', project_name: 'The Long Night' });
      expect(typeof body[0].sequence_name).toBe('string');
    });
  });

  describe('full task', () => {
    it('joins entity, project, type, status, persons, sequence and episode', async () => {
      const shotTask = [...sim.data.tasks.values()].find(
        (task) => task.project_id === tv && sim.data.entities.get(task.entity_id)!.type === 'Shot',
      )!;
      const { body } = await call(sim, 'GET', `/data/tasks/${shotTask.id}/full`);
      const shot = sim.data.entities.get(shotTask.entity_id)!;
      expect(body).toMatchObject({
        id: shotTask.id,
        entity: { id: shot.id },
        entity_type: { name: 'Shot' },
        project: { id: tv },
        task_type: { id: shotTask.task_type_id },
        task_status: { id: shotTask.task_status_id },
        sequence: { id: shot.parent_id },
        episode: { id: sim.data.entities.get(shot.parent_id!)!.parent_id },
      });
      expect(body.persons.map((p: { id: string }) => p.id)).toEqual(shotTask.assignees);
    });
  });

  describe('comments', () => {
    const statusId = (shortName: string) =>
      [...sim.data.taskStatuses.values()].find((status) => status.short_name === shortName)!.id;

    it('creates a comment (201), changes the status and counts a retake', async () => {
      const task = [...sim.data.tasks.values()].find((t) => t.task_status_id === statusId('wfa'))!;
      const before = task.retake_count;
      const { status, body } = await call(sim, 'POST', `/actions/tasks/${task.id}/comment`, {
        body: { task_status_id: statusId('retake'), comment: 'Fix the timing' },
      });
      expect(status).toBe(201);
      expect(body).toMatchObject({
        object_id: task.id,
        text: 'Fix the timing',
        task_status: { short_name: 'retake' },
      });
      expect(task.task_status_id).toBe(statusId('retake'));
      expect(task.retake_count).toBe(before + 1);
      expect(sim.data.comments.get(body.id)).toMatchObject({ person_id: sim.data.people.bot.id });
    });

    it('honours person_id for a manager (the bot) but not for an artist', async () => {
      const artist = sim.data.people.artist;
      const task = [...sim.data.tasks.values()].find((t) => t.assignees.includes(artist.id))!;
      const credited = await call(sim, 'POST', `/actions/tasks/${task.id}/comment`, {
        body: { task_status_id: task.task_status_id, comment: 'by bot', person_id: artist.id },
      });
      expect(credited.body.person_id).toBe(artist.id);
      const own = await call(sim, 'POST', `/actions/tasks/${task.id}/comment`, {
        token: sim.tokens.artist,
        body: {
          task_status_id: statusId('wip'),
          comment: 'mine',
          person_id: sim.data.people.manager.id,
        },
      });
      expect([own.status, own.body.person_id]).toEqual([201, artist.id]);
    });

    it('refuses an artist a supervisor status, and a missing task_status_id', async () => {
      const artist = sim.data.people.artist;
      const task = [...sim.data.tasks.values()].find((t) => t.assignees.includes(artist.id))!;
      const done = await call(sim, 'POST', `/actions/tasks/${task.id}/comment`, {
        token: sim.tokens.artist,
        body: { task_status_id: statusId('done'), comment: 'done?' },
      });
      expect(done.status).toBe(403);
      const bad = await call(sim, 'POST', `/actions/tasks/${task.id}/comment`, {
        body: { comment: 'x' },
      });
      expect([bad.status, bad.body.error]).toEqual([400, true]);
    });
  });

  describe('playlists', () => {
    it('creates (201), keeps (name, project, episode) unique with a 400 only when episode_id is set, and needs a supervisor', async () => {
      const input = { name: 'Dailies', project_id: film, for_entity: 'shot' };
      const created = await call(sim, 'POST', '/data/playlists', { body: input });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ shots: null, build_jobs: [] });
      expect(sim.data.playlists.get(created.body.id)).toMatchObject({ name: 'Dailies', shots: [] });
      // As in Zou (SQL: NULL equals nothing), no episode means no uniqueness.
      const twin = await call(sim, 'POST', '/data/playlists', { body: input });
      expect(twin.status).toBe(201);
      const [episode, otherEpisode] = [...sim.data.entities.values()].filter(
        (e) => e.type === 'Episode',
      );
      const inEpisode = { name: 'Dailies', project_id: tv, episode_id: episode.id };
      expect((await call(sim, 'POST', '/data/playlists', { body: inEpisode })).status).toBe(201);
      const again = await call(sim, 'POST', '/data/playlists', { body: inEpisode });
      expect([again.status, again.body.message]).toEqual([
        400,
        'A record with the same unique values already exists.',
      ]);
      const other = await call(sim, 'POST', '/data/playlists', {
        body: { ...inEpisode, episode_id: otherEpisode.id },
      });
      expect(other.status).toBe(201);
      const artist = await call(sim, 'POST', '/data/playlists', {
        token: sim.tokens.artist,
        body: { name: 'Mine', project_id: film },
      });
      expect(artist.status).toBe(403);
      // The team role wins inside its project (Zou 1.0.67), in both directions.
      const { artist: bob, supervisor: alice } = sim.data.people;
      await call(sim, 'PUT', `/data/projects/${film}/team/${bob.id}`, {
        token: sim.tokens.admin,
        body: { role: 'supervisor' },
      });
      await call(sim, 'PUT', `/data/projects/${film}/team/${alice.id}`, {
        token: sim.tokens.admin,
        body: { role: 'user' },
      });
      try {
        const asTeamSupervisor = await call(sim, 'POST', '/data/playlists', {
          token: sim.tokens.artist,
          body: { name: 'Bob as supervisor', project_id: film },
        });
        expect(asTeamSupervisor.status).toBe(201);
        const asTeamUser = await call(sim, 'POST', '/data/playlists', {
          token: sim.tokens.supervisor,
          body: { name: 'Alice as user', project_id: film },
        });
        expect(asTeamUser.status).toBe(403);
      } finally {
        for (const person of [bob, alice])
          await call(sim, 'PUT', `/data/projects/${film}/team/${person.id}`, {
            token: sim.tokens.admin,
            body: { role: null },
          });
      }
      const listed = await call(sim, 'GET', `/data/playlists?project_id=${film}`);
      expect(listed.body.map((p: ZouPlaylist) => p.name)).toContain('Dailies');
    });

    it('adds couples in bulk, filling the latest preview of the task type and skipping duplicates', async () => {
      const task = [...sim.data.tasks.values()].find(
        (t) =>
          t.project_id === film &&
          t.last_preview_file_id &&
          sim.data.entities.get(t.entity_id)!.type === 'Shot',
      )!;
      const created = await call(sim, 'POST', '/data/playlists', {
        body: { name: 'Bulk', project_id: film, task_type_id: task.task_type_id },
      });
      const add = () =>
        call(sim, 'POST', `/actions/playlists/${created.body.id}/add-entities`, {
          body: { entities: [{ entity_id: task.entity_id }] },
        });
      expect((await add()).body.shots).toEqual([
        { entity_id: task.entity_id, preview_file_id: task.last_preview_file_id },
      ]);
      expect((await add()).body.shots).toHaveLength(1);
      const previews = await call(
        sim,
        'GET',
        `/data/playlists/entities/${task.entity_id}/preview-files`,
      );
      expect(previews.body[task.task_type_id][0].id).toBe(task.last_preview_file_id);
    });
  });

  describe('custom actions', () => {
    it('lets only an admin create, update and delete; anyone but vendors list', async () => {
      const input = {
        name: 'Render',
        url: 'http://actions.local/actions/render',
        entity_type: 'shot',
      };
      expect((await call(sim, 'POST', '/data/custom-actions', { body: input })).status).toBe(403);
      const created = await call(sim, 'POST', '/data/custom-actions', {
        token: sim.tokens.admin,
        body: input,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const updated = await call(sim, 'PUT', `/data/custom-actions/${id}`, {
        token: sim.tokens.admin,
        body: { is_ajax: true },
      });
      expect(updated.body).toMatchObject({ name: 'Render', is_ajax: true });
      const listed = await call(sim, 'GET', '/data/custom-actions', { token: sim.tokens.artist });
      expect(listed.body.map((a: { id: string }) => a.id)).toContain(id);
      expect(
        (await call(sim, 'GET', '/data/custom-actions', { token: sim.tokens.vendor })).status,
      ).toBe(403);
      expect(
        (await call(sim, 'DELETE', `/data/custom-actions/${id}`, { token: sim.tokens.admin }))
          .status,
      ).toBe(204);
      expect(sim.data.customActions.has(id)).toBe(false);
    });
  });

  describe('statistics', () => {
    it('counts episode stats like Zou (shots with episodes only, with "all" aggregates)', async () => {
      const { body } = await call(sim, 'GET', `/data/projects/${tv}/episodes/stats`);
      const shotTasks = [...sim.data.tasks.values()].filter(
        (t) => t.project_id === tv && sim.data.entities.get(t.entity_id)!.type === 'Shot',
      );
      const total = Object.values(body.all.all as Record<string, { count: number }>).reduce(
        (sum, entry) => sum + entry.count,
        0,
      );
      expect(total).toBe(shotTasks.length);
      expect(Object.keys(body)).toHaveLength(sim.data.counts.episodes + 1);
      expect((await call(sim, 'GET', `/data/projects/${film}/episodes/stats`)).body).toEqual({});
      const retakes = await call(sim, 'GET', `/data/projects/${tv}/episodes/retake-stats`);
      expect(
        retakes.body.all.all.done.count +
          retakes.body.all.all.retake.count +
          retakes.body.all.all.other.count,
      ).toBe(shotTasks.length);
    });
  });

  describe('faults', () => {
    it('answers 503 (HTML, like a proxy), 429 with Retry-After, or drops the connection', async () => {
      sim.setFaults({ errorRate: 1 });
      const failed = await call(sim, 'GET', '/data/task-types');
      expect(failed.status).toBe(503);
      expect(String(failed.body)).toContain('503');
      sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 2 });
      const limited = await call(sim, 'GET', '/data/task-types');
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
      sim.setFaults({ dropRate: 1 });
      await expect(call(sim, 'GET', '/data/task-types')).rejects.toThrow();
      sim.setFaults({});
      expect((await call(sim, 'GET', '/data/task-types')).status).toBe(200);
    });

    it('applies rates roughly as asked', async () => {
      sim.setFaults({ errorRate: 0.3 });
      const statuses = [];
      for (let i = 0; i < 100; i++) statuses.push((await call(sim, 'GET', '/')).status);
      const failures = statuses.filter((status) => status === 503).length;
      expect(failures).toBeGreaterThan(10);
      expect(failures).toBeLessThan(50);
    });

    it('plays scripted faults in order, for matching paths only', async () => {
      sim.injectFaults({ status: 502, path: '/data/task-status' }, { status: 504 });
      expect((await call(sim, 'GET', '/data/task-types')).status).toBe(504);
      expect((await call(sim, 'GET', '/data/task-status')).status).toBe(502);
      expect((await call(sim, 'GET', '/data/task-status')).status).toBe(200);
    });

    it('adds latency', async () => {
      sim.setLatency(60);
      const started = Date.now();
      await call(sim, 'GET', '/');
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    });
  });

  describe('legacy playlists', () => {
    let legacy: ZouSimulator;
    beforeAll(async () => {
      legacy = await startZouSimulator({ seed: 11, legacyPlaylists: true });
    });
    afterAll(() => legacy.close());

    it('has no add-entities or add-entity route, and takes the whole shots list through PUT', async () => {
      const film2 = legacy.data.projectIds.film;
      const created = await call(legacy, 'POST', '/data/playlists', {
        body: { name: 'Old', project_id: film2 },
      });
      const shot = [...legacy.data.entities.values()].find((e) => e.type === 'Shot')!;
      for (const route of ['add-entities', 'add-entity']) {
        const { status } = await call(
          legacy,
          'POST',
          `/actions/playlists/${created.body.id}/${route}`,
          {
            body: { entities: [{ entity_id: shot.id }], entity_id: shot.id },
          },
        );
        expect(status).toBe(404);
      }
      const put = await call(legacy, 'PUT', `/data/playlists/${created.body.id}`, {
        body: { shots: [{ entity_id: shot.id, preview_file_id: null }] },
      });
      expect(put.status).toBe(200);
      expect(legacy.data.playlists.get(created.body.id)!.shots).toEqual([
        { entity_id: shot.id, preview_file_id: null },
      ]);
    });
  });
});
