import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import {
  hasEmail,
  IDS_PER_CALL,
  createZouClient,
  type ZouClient,
  type ZouClientHooks,
} from '../../src/zou/zou.client';
import { loadZouConfig } from '../../src/zou/zou.config';
import {
  ZouBadRequestError,
  ZouError,
  ZouForbiddenError,
  ZouNetworkError,
  ZouNotAuthenticatedError,
  ZouNotConfiguredError,
  ZouNotFoundError,
  ZouRateLimitedError,
  ZouServerError,
  ZouTimeoutError,
} from '../../src/zou/zou.errors';
import type { ZouTask } from '../../src/zou/zou.types';

const DAY = 86_400_000;

describe('ZouClient against the simulator', () => {
  let sim: ZouSimulator;
  let tv: string;
  let film: string;
  /** An episode of the TV show: Zou keeps playlist names unique only within an episode. */
  let episodeId: string;

  /** Fast backoff so retry tests take milliseconds. */
  const clientFor = (env: Record<string, string> = {}, hooks?: ZouClientHooks): ZouClient =>
    createZouClient(
      loadZouConfig({
        ZOU_URL: sim.url,
        ZOU_TOKEN: sim.tokens.bot,
        ZOU_RETRY_BASE_MS: '1',
        ZOU_RETRY_MAX_MS: '20',
        ...env,
      }),
      undefined,
      hooks,
    );
  const tasksOf = (projectId: string) =>
    [...sim.data.tasks.values()].filter((task) => task.project_id === projectId);
  const statusId = (shortName: string) =>
    [...sim.data.taskStatuses.values()].find((status) => status.short_name === shortName)!.id;

  beforeAll(async () => {
    sim = await startZouSimulator({ seed: 23, size: 'medium' });
    tv = sim.data.projectIds.tvShow;
    film = sim.data.projectIds.film;
    episodeId = [...sim.data.entities.values()].find((e) => e.type === 'Episode')!.id;
  });

  afterAll(() => sim.close());

  beforeEach(() => {
    sim.setFaults({});
    sim.setLatency(0);
    sim.resetLog();
  });

  describe('every method', () => {
    let zou: ZouClient;
    beforeAll(() => {
      zou = clientFor();
    });

    it('ping, whoAmI and authenticatedAs', async () => {
      expect(await zou.ping()).toMatchObject({ api: 'Zou' });
      expect((await zou.whoAmI()).user.id).toBe(sim.data.people.bot.id);
      const artist = await zou.authenticatedAs(sim.tokens.artist);
      expect(artist?.user.email).toBe('artist@example.com');
      // The caller's token is sent, never the service's.
      const sent = sim.calls('GET /auth/authenticated').at(-1)!;
      expect(sent.personId).toBe(sim.data.people.artist.id);
      expect(await zou.authenticatedAs('garbage')).toBeNull();
      const expired = sim.issueToken(sim.data.people.artist.id, { expiresInMs: -1 });
      expect(await zou.authenticatedAs(expired)).toBeNull();
    });

    it('tasks: single, full, filtered list and by project', async () => {
      const task = tasksOf(tv)[0];
      expect(await zou.getTask(task.id)).toMatchObject(task);
      const full = await zou.getTaskFull(task.id);
      expect(full).toMatchObject({
        id: task.id,
        project: { id: tv },
        task_type: { id: task.task_type_id },
      });
      const byType = await zou.getTasks({ project_id: tv, task_type_id: task.task_type_id });
      expect(byType.map((t) => t.id).sort()).toEqual(
        tasksOf(tv)
          .filter((t) => t.task_type_id === task.task_type_id)
          .map((t) => t.id)
          .sort(),
      );
      expect(byType.every((t) => Array.isArray(t.assignees))).toBe(true);
      const projectTasks = await zou.getProjectTasks(film);
      expect(projectTasks).toHaveLength(tasksOf(film).length);
    });

    it('entities: single of each kind, bulk, and project lists', async () => {
      const entities = [...sim.data.entities.values()];
      const one = (type: string) => entities.find((e) => e.type === type && e.project_id === tv)!;
      expect((await zou.getEntity(one('Shot').id)).id).toBe(one('Shot').id);
      expect((await zou.getShot(one('Shot').id)).type).toBe('Shot');
      expect((await zou.getAsset(one('Asset').id)).type).toBe('Asset');
      expect((await zou.getSequence(one('Sequence').id)).type).toBe('Sequence');
      expect((await zou.getEpisode(one('Episode').id)).type).toBe('Episode');
      const ids = entities.slice(0, 5).map((e) => e.id);
      expect((await zou.getEntities([...ids, randomUUID()])).map((e) => e.id)).toEqual(ids);
      const count = (type: string, projectId: string) =>
        entities.filter((e) => e.type === type && e.project_id === projectId).length;
      expect(await zou.getShots(film)).toHaveLength(count('Shot', film));
      expect(await zou.getAssets(tv)).toHaveLength(count('Asset', tv));
      expect(await zou.getSequences(tv)).toHaveLength(count('Sequence', tv));
      expect(await zou.getEpisodes(tv)).toHaveLength(count('Episode', tv));
    });

    it('projects and persons, with teams', async () => {
      const project = await zou.getProject(tv);
      expect(project.team).toContain(sim.data.people.bot.id);
      const projects = await zou.getProjects();
      expect(projects.map((p) => p.id).sort()).toEqual([tv, film].sort()); // the bot's teams
      expect(projects.every((p) => Array.isArray(p.team))).toBe(true);
      expect((await zou.getPerson(sim.data.people.artist.id)).email).toBe('artist@example.com');
      expect(await zou.getPersons()).toHaveLength(sim.data.persons.size);
      const wanted = [sim.data.people.manager.id, sim.data.people.client.id];
      expect((await zou.getPersonsByIds(wanted)).map((p) => p.id)).toEqual(wanted);
    });

    it('persons: emails a manager may read come from the project team, hidden ones stay absent', async () => {
      const assignees = [...new Set(tasksOf(tv).flatMap((task) => task.assignees))].slice(0, 6);
      const fresh = clientFor();
      // Zou 1.0.67 leaves email out of the person list for everyone but admins.
      expect((await fresh.getPersonsByIds(assignees)).some(hasEmail)).toBe(false);
      sim.resetLog();
      const withEmails = await clientFor().getPersonsWithEmails(assignees, [tv]);
      expect(withEmails.map((p) => [p.id, p.email])).toEqual(
        assignees.map((id) => [id, sim.data.persons.get(id)!.email]),
      );
      expect(sim.calls('GET /data/projects/:id/team')).toHaveLength(1);
      expect(sim.calls('GET /data/persons/:id')).toHaveLength(0);

      // A user account gets minimal records everywhere: one look at the team and one person
      // read tell it so, then it stops asking.
      sim.resetLog();
      const asUser = clientFor({ ZOU_TOKEN: sim.tokens.artist });
      const hidden = await asUser.getPersonsWithEmails(assignees, [tv]);
      expect(hidden.map((p) => p.id)).toEqual(assignees);
      expect(hidden.some(hasEmail)).toBe(false);
      expect(sim.calls('GET /data/projects/:id/team')).toHaveLength(1);
      expect(sim.calls('GET /data/persons/:id')).toHaveLength(1);
    });

    it('task types and statuses come from a cache', async () => {
      const fresh = clientFor();
      const [types, statuses] = await Promise.all([fresh.getTaskTypes(), fresh.getTaskStatuses()]);
      expect(types).toHaveLength(sim.data.taskTypes.size);
      expect(statuses).toHaveLength(sim.data.taskStatuses.size);
      expect((await fresh.getTaskStatusByShortName('WFA'))?.is_feedback_request).toBe(true);
      expect(await fresh.getTaskStatusByShortName('nope')).toBeNull();
      await Promise.all([fresh.getTaskTypes(), fresh.getTaskTypes(), fresh.getTaskStatuses()]);
      expect(sim.calls('GET /data/task-types')).toHaveLength(1);
      expect(sim.calls('GET /data/task-status')).toHaveLength(1);
      expect((await fresh.getProjectTaskTypes(tv)).length).toBe(sim.data.taskTypes.size);
      // A project's own list is reference data too: asked once per project.
      const before = sim.calls('GET /data/projects/:id/task-types').length;
      await Promise.all([fresh.getProjectTaskTypes(tv), fresh.getProjectTaskTypes(tv)]);
      expect(sim.calls('GET /data/projects/:id/task-types').length).toBe(before);
      await fresh.getProjectTaskTypes(film);
      expect(sim.calls('GET /data/projects/:id/task-types').length).toBe(before + 1);
    });

    it('previews of an entity, grouped by task type', async () => {
      const task = tasksOf(film).find((t) => t.last_preview_file_id)!;
      const previews = await zou.getEntityPreviewFiles(task.entity_id);
      expect(previews[task.task_type_id][0].id).toBe(task.last_preview_file_id);
    });

    it('previews of many tasks in one call per 80 tasks', async () => {
      const withPreviews = tasksOf(film).filter((t) => t.last_preview_file_id);
      const tasks = withPreviews.slice(0, 100);
      const before = sim.calls('GET /data/preview-files').length;
      const previews = await zou.getPreviewFilesOfTasks(tasks.map((t) => t.id));
      expect(sim.calls('GET /data/preview-files').length - before).toBe(2);
      const ids = new Set(previews.map((p) => p.id));
      for (const task of tasks) expect(ids.has(task.last_preview_file_id!)).toBe(true);
      expect(new Set(previews.map((p) => p.task_id))).toEqual(new Set(tasks.map((t) => t.id)));
    });

    it('playlists: create, list, get, update, add entities in bulk', async () => {
      const created = await zou.createPlaylist({ name: 'Client review', project_id: film });
      expect(created).toMatchObject({ for_entity: 'shot', for_client: false, shots: [] });
      expect((await zou.getPlaylists(film)).map((p) => p.id)).toContain(created.id);
      expect((await zou.getPlaylist(created.id)).name).toBe('Client review');
      expect((await zou.updatePlaylist(created.id, { for_client: true })).for_client).toBe(true);
      const shots = [...sim.data.entities.values()].filter(
        (e) => e.type === 'Shot' && e.project_id === film,
      );
      const filled = await zou.addEntitiesToPlaylist(
        created.id,
        shots.slice(0, 3).map((shot) => ({ entity_id: shot.id })),
      );
      expect(filled.shots.map((s) => s.entity_id)).toEqual(shots.slice(0, 3).map((s) => s.id));
      expect(zou.playlistAddMode).toBe('bulk');
      expect(sim.data.playlists.get(created.id)!.shots).toHaveLength(3);
    });

    it('comments: keeps the current status when none is given, credits a person', async () => {
      const task = tasksOf(tv).find((t) => t.task_status_id === statusId('wip'))!;
      const comment = await zou.commentTask(task.id, {
        comment: 'Render submitted',
        personId: sim.data.people.artist.id,
      });
      expect(comment).toMatchObject({
        text: 'Render submitted',
        person_id: sim.data.people.artist.id,
      });
      expect(task.task_status_id).toBe(statusId('wip'));
      const changed = await zou.commentTask(task.id, {
        comment: 'Ready',
        taskStatusId: statusId('wfa'),
      });
      expect(changed.task_status.short_name).toBe('wfa');
      expect(sim.data.tasks.get(task.id)!.task_status_id).toBe(statusId('wfa'));
    });

    it('custom actions: list, create, update, delete (as an admin)', async () => {
      const admin = clientFor({ ZOU_TOKEN: sim.tokens.admin });
      const created = await admin.createCustomAction({
        name: 'Inspect',
        url: 'http://x.local/actions/inspect',
      });
      expect(created).toMatchObject({ entity_type: 'all', is_ajax: false });
      expect((await admin.updateCustomAction(created.id, { is_ajax: true })).is_ajax).toBe(true);
      expect((await zou.getCustomActions()).map((a) => a.id)).toContain(created.id);
      await admin.deleteCustomAction(created.id);
      expect(sim.data.customActions.has(created.id)).toBe(false);
      // The bot is a manager, not an admin.
      await expect(
        zou.createCustomAction({ name: 'No', url: 'http://x.local' }),
      ).rejects.toBeInstanceOf(ZouForbiddenError);
    });

    it('statistics', async () => {
      const episodes = await zou.getEpisodeStats(tv);
      expect(Object.keys(episodes)).toContain('all');
      const retakes = await zou.getRetakeStats(tv);
      expect(retakes.all.all.max_retake_count).toBeGreaterThan(0);
    });
  });

  describe('errors', () => {
    it.each([
      ['400', ZouBadRequestError],
      ['403', ZouForbiddenError],
      ['404', ZouNotFoundError],
    ])('%s is typed, names the route and is not retried', async (kind, type) => {
      const zou = clientFor();
      const outsider = clientFor({ ZOU_TOKEN: sim.tokens.outsider });
      const attempt =
        kind === '400'
          ? (async () => {
              await zou.createPlaylist({ name: 'Twice', project_id: tv, episode_id: episodeId });
              return zou.createPlaylist({ name: 'Twice', project_id: tv, episode_id: episodeId });
            })()
          : kind === '403'
            ? outsider.getProject(tv)
            : zou.getTask(randomUUID());
      const error = (await attempt.catch((e: unknown) => e)) as ZouError;
      expect(error).toBeInstanceOf(type);
      expect(error.isTransient).toBe(false);
      const route = {
        '400': 'POST /data/playlists',
        '403': 'GET /data/projects/:id',
        '404': 'GET /data/tasks/:id',
      }[kind]!;
      expect(error.route).toBe(route);
      expect(error.message).toContain(route);
      expect(sim.calls(route)).toHaveLength(kind === '400' ? 2 : 1);
    });

    it('400 carries Zou message', async () => {
      const zou = clientFor();
      await zou.createPlaylist({ name: 'Dup', project_id: tv, episode_id: episodeId });
      const again = zou.createPlaylist({ name: 'Dup', project_id: tv, episode_id: episodeId });
      await expect(again).rejects.toThrow('A record with the same unique values already exists.');
    });

    it('401 for an expired bot token and 422 for a malformed one (no renewal possible)', async () => {
      const expired = clientFor({
        ZOU_TOKEN: sim.issueToken(sim.data.people.bot.id, { expiresInMs: -1 }),
      });
      const late = (await expired.getTaskTypes().catch((e: unknown) => e)) as ZouError;
      expect(late).toBeInstanceOf(ZouNotAuthenticatedError);
      expect([late.status, late.zouMessage]).toEqual([401, 'Token has expired']);
      const malformed = (await clientFor({ ZOU_TOKEN: 'garbage' })
        .getTaskTypes()
        .catch((e: unknown) => e)) as ZouError;
      expect(malformed).toBeInstanceOf(ZouNotAuthenticatedError);
      expect(malformed.status).toBe(422);
      expect(sim.calls('GET /data/task-types')).toHaveLength(2);
    });

    it('5xx becomes ZouServerError and 429 ZouRateLimitedError once retries run out', async () => {
      sim.setFaults({ errorRate: 1 });
      await expect(clientFor({ ZOU_RETRIES: '0' }).getTaskTypes()).rejects.toBeInstanceOf(
        ZouServerError,
      );
      sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
      const limited = (await clientFor({ ZOU_RETRIES: '0' })
        .getTaskTypes()
        .catch((e: unknown) => e)) as ZouRateLimitedError;
      expect(limited).toBeInstanceOf(ZouRateLimitedError);
      expect(limited.retryAfterMs).toBe(3000);
    });

    it('times out with ZouTimeoutError', async () => {
      sim.setLatency(300);
      const zou = clientFor({ ZOU_TIMEOUT_MS: '100', ZOU_RETRIES: '1' });
      const error = (await zou.ping().catch((e: unknown) => e)) as ZouError;
      expect(error).toBeInstanceOf(ZouTimeoutError);
      expect(error.isTransient).toBe(true);
      expect(zou.stats().byRoute['GET /']).toMatchObject({ ok: 0, error: 1, retries: 1 });
    });

    it('fails with ZouNetworkError when nothing listens', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address() as { port: number };
          server.close(() => resolve(address.port));
        });
      });
      const zou = clientFor({ ZOU_URL: `http://127.0.0.1:${port}/api`, ZOU_RETRIES: '2' });
      const error = (await zou.ping().catch((e: unknown) => e)) as ZouError;
      expect(error).toBeInstanceOf(ZouNetworkError);
      expect(error.zouMessage).toContain('ECONNREFUSED');
      expect(zou.stats().byRoute['GET /']).toMatchObject({ error: 1, retries: 2 });
    });

    it('fails with ZouNotConfiguredError without ZOU_URL, calling nothing', async () => {
      const zou = createZouClient(loadZouConfig({}));
      await expect(zou.getTask(randomUUID())).rejects.toBeInstanceOf(ZouNotConfiguredError);
      expect(zou.isConfigured).toBe(false);
    });
  });

  describe('retries', () => {
    it('retries 503s, with a bounded count', async () => {
      sim.setFaults({ errorRate: 1 });
      const zou = clientFor({ ZOU_RETRIES: '3' });
      await expect(zou.getTaskTypes()).rejects.toBeInstanceOf(ZouServerError);
      expect(sim.calls('GET /data/task-types')).toHaveLength(4);
      expect(zou.stats().byRoute['GET /data/task-types']).toMatchObject({
        ok: 0,
        error: 1,
        retries: 3,
      });
    });

    it('retries reset connections and 429s a bounded number of times too', async () => {
      sim.setFaults({ dropRate: 1 });
      const dropped = (await clientFor({ ZOU_RETRIES: '2' })
        .getTaskTypes()
        .catch((e: unknown) => e)) as ZouError;
      expect(dropped).toBeInstanceOf(ZouNetworkError);
      expect(sim.calls('GET /data/task-types')).toHaveLength(3);
      sim.resetLog();
      sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 0 });
      await expect(clientFor({ ZOU_RETRIES: '2' }).getTaskTypes()).rejects.toBeInstanceOf(
        ZouRateLimitedError,
      );
      expect(sim.calls('GET /data/task-types')).toHaveLength(3);
    });

    it('recovers from 503, 502, 504, a reset connection and a 429', async () => {
      sim.injectFaults(
        { status: 503 },
        { status: 502 },
        { drop: true },
        { status: 504 },
        { status: 429, retryAfterSeconds: 0 },
      );
      const zou = clientFor({ ZOU_RETRIES: '5' });
      const task = tasksOf(tv)[0];
      expect((await zou.getTask(task.id)).id).toBe(task.id);
      expect(sim.calls('GET /data/tasks/:id').map((entry) => entry.status)).toEqual([
        503, 502, 0, 504, 429, 200,
      ]);
      expect(zou.stats()).toEqual({
        total: 6,
        byRoute: {
          'GET /data/tasks/:id': expect.objectContaining({ ok: 1, error: 0, retries: 5 }),
        },
      });
    });

    it('waits as long as Retry-After asks', async () => {
      sim.injectFaults({ status: 429, retryAfterSeconds: 1 });
      const zou = clientFor({ ZOU_RETRY_MAX_MS: '5000' });
      await zou.ping();
      const [first, second] = sim.calls('GET /');
      expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    });

    it('tries a 500 only a few times', async () => {
      sim.setFaults({});
      sim.injectFaults(...Array.from({ length: 6 }, () => ({ status: 500 })));
      await expect(clientFor({ ZOU_RETRIES: '5' }).ping()).rejects.toBeInstanceOf(ZouServerError);
      expect(sim.calls('GET /')).toHaveLength(3);
    });

    it('does not resend a comment after a cut connection, but does after a 503', async () => {
      const task = tasksOf(film)[0];
      const zou = clientFor();
      sim.injectFaults({ drop: true, path: '/comment' });
      await expect(
        zou.commentTask(task.id, { comment: 'once', taskStatusId: task.task_status_id }),
      ).rejects.toMatchObject({
        isTransient: true,
        status: 0,
      });
      expect(sim.calls('POST /actions/tasks/:id/comment')).toHaveLength(1);
      sim.injectFaults({ status: 503, path: '/comment' });
      await zou.commentTask(task.id, { comment: 'twice', taskStatusId: task.task_status_id });
      expect(sim.calls('POST /actions/tasks/:id/comment').map((entry) => entry.status)).toEqual([
        0, 503, 201,
      ]);
    });

    it('reports every attempt to the onCall hook', async () => {
      const seen: string[] = [];
      const zou = clientFor({}, { onCall: (route, outcome) => seen.push(`${route} ${outcome}`) });
      sim.injectFaults({ status: 503 });
      await zou.ping();
      expect(seen).toEqual(['GET / retry', 'GET / ok']);
      zou.resetStats();
      expect(zou.stats()).toEqual({ total: 0, byRoute: {} });
    });
  });

  describe('login mode', () => {
    const loginClient = () =>
      clientFor({
        ZOU_TOKEN: '',
        ZOU_EMAIL: 'manager@example.com',
        ZOU_PASSWORD: sim.data.password,
      });

    it('logs in once for concurrent first calls', async () => {
      const zou = loginClient();
      const ids = tasksOf(tv)
        .slice(0, 10)
        .map((t) => t.id);
      await Promise.all(ids.map((id) => zou.getTask(id)));
      expect(sim.calls('POST /auth/login')).toHaveLength(1);
      expect(
        sim
          .calls('GET /data/tasks/:id')
          .every((entry) => entry.personId === sim.data.people.manager.id),
      ).toBe(true);
    });

    it('refreshes once for many concurrent 401s and replays each call once', async () => {
      const zou = loginClient();
      await zou.ping();
      await zou.getTask(tasksOf(tv)[0].id);
      sim.advanceClock(8 * DAY); // past the access token, within the refresh token
      sim.resetLog();
      const ids = tasksOf(tv)
        .slice(0, 20)
        .map((t) => t.id);
      const tasks = await Promise.all(ids.map((id) => zou.getTask(id)));
      expect(tasks.map((task: ZouTask) => task.id)).toEqual(ids);
      expect(sim.calls('GET /auth/refresh-token')).toHaveLength(1);
      expect(sim.calls('POST /auth/login')).toHaveLength(0);
      const reads = sim.calls('GET /data/tasks/:id');
      expect(reads.filter((entry) => entry.status === 200)).toHaveLength(20);
      expect(reads.filter((entry) => entry.status === 401).length).toBeLessThanOrEqual(20);
    });

    it('logs in again when the refresh token has expired too', async () => {
      const zou = loginClient();
      await zou.getTask(tasksOf(tv)[0].id);
      sim.advanceClock(16 * DAY);
      sim.resetLog();
      await zou.getTask(tasksOf(tv)[0].id);
      expect(sim.calls().map((entry) => `${entry.route} ${entry.status}`)).toEqual([
        'GET /data/tasks/:id 401',
        'GET /auth/refresh-token 401',
        'POST /auth/login 200',
        'GET /data/tasks/:id 200',
      ]);
    });

    it('fails with ZouNotAuthenticatedError naming the variables when the login is refused', async () => {
      const zou = clientFor({
        ZOU_TOKEN: '',
        ZOU_EMAIL: 'manager@example.com',
        ZOU_PASSWORD: 'wrong',
      });
      const error = (await zou.getTaskTypes().catch((e: unknown) => e)) as ZouError;
      expect(error).toBeInstanceOf(ZouNotAuthenticatedError);
      expect(error.message).toMatch(/ZOU_EMAIL.*ZOU_PASSWORD/);
      expect(sim.calls('POST /auth/login')).toHaveLength(1);
      expect(sim.calls('GET /data/task-types')).toHaveLength(0);
    });
  });

  describe('bulk reads', () => {
    it('walks several pages', async () => {
      const zou = clientFor({ ZOU_PAGE_SIZE: '40' });
      const tasks = await zou.getTasks({ project_id: film });
      expect(tasks.map((t) => t.id).sort()).toEqual(
        tasksOf(film)
          .map((t) => t.id)
          .sort(),
      );
      const pages = sim.calls('GET /data/tasks');
      expect(pages).toHaveLength(Math.ceil(tasksOf(film).length / 40));
      expect(pages.map((entry) => Number(entry.query.page)).sort((a, b) => a - b)).toEqual(
        pages.map((_, i) => i + 1),
      );
    });

    it('reads 1,000 tasks by id in ceil(1000 / IDS_PER_CALL) calls, reporting the missing ones', async () => {
      const big = await startZouSimulator({ seed: 5, size: 'large' });
      try {
        const project = big.data.projectIds.tvShow;
        const ids = [...big.data.tasks.values()]
          .filter((t) => t.project_id === project)
          .slice(0, 1000)
          .map((t) => t.id);
        const zou = createZouClient(
          loadZouConfig({ ZOU_URL: big.url, ZOU_TOKEN: big.tokens.bot, ZOU_RETRY_BASE_MS: '1' }),
        );
        const unknown = randomUUID();
        const selection = [unknown, ...ids, ids[0], 'not-a-uuid'];
        const { tasks, missing } = await zou.getTasksByIds(selection, { projectId: project });
        expect(tasks.map((t) => t.id)).toEqual(ids);
        expect(missing).toEqual([unknown, 'not-a-uuid']);
        const calls = big.calls('GET /data/tasks');
        expect(calls).toHaveLength(Math.ceil(1001 / IDS_PER_CALL));
        expect(
          calls.every((entry) => entry.status === 200 && entry.query.project_id === project),
        ).toBe(true);
        expect(big.log).toHaveLength(calls.length);
      } finally {
        await big.close();
      }
    });
  });

  describe('playlist fallbacks', () => {
    it('falls back to add-entity when the bulk route is missing, and remembers it', async () => {
      const zou = clientFor();
      const playlist = await zou.createPlaylist({ name: 'Fallback single', project_id: film });
      const shots = [...sim.data.entities.values()].filter(
        (e) => e.type === 'Shot' && e.project_id === film,
      );
      sim.injectFaults({ status: 404, path: 'add-entities' });
      const filled = await zou.addEntitiesToPlaylist(playlist.id, [
        { entity_id: shots[0].id },
        { entity_id: shots[1].id },
      ]);
      expect(filled.shots.map((s) => s.entity_id)).toEqual([shots[0].id, shots[1].id]);
      expect(zou.playlistAddMode).toBe('single');
      sim.resetLog();
      await zou.addEntitiesToPlaylist(playlist.id, [{ entity_id: shots[2].id }]);
      expect(sim.calls().map((entry) => entry.route)).toEqual([
        'POST /actions/playlists/:id/add-entity',
      ]);
    });

    it('tells a missing playlist from a missing route', async () => {
      const zou = clientFor();
      await expect(
        zou.addEntitiesToPlaylist(randomUUID(), [{ entity_id: randomUUID() }]),
      ).rejects.toBeInstanceOf(ZouNotFoundError);
      expect(zou.playlistAddMode).toBeNull();
    });

    it('replaces the whole list on an older Zou, with the latest previews, and remembers it', async () => {
      const legacy = await startZouSimulator({ seed: 23, legacyPlaylists: true });
      try {
        const zou = createZouClient(
          loadZouConfig({
            ZOU_URL: legacy.url,
            ZOU_TOKEN: legacy.tokens.bot,
            ZOU_RETRY_BASE_MS: '1',
          }),
        );
        const filmId = legacy.data.projectIds.film;
        const task = [...legacy.data.tasks.values()].find(
          (t) =>
            t.project_id === filmId &&
            t.last_preview_file_id &&
            legacy.data.entities.get(t.entity_id)!.type === 'Shot',
        )!;
        const playlist = await zou.createPlaylist({
          name: 'Legacy',
          project_id: filmId,
          task_type_id: task.task_type_id,
        });
        const result = await zou.addEntitiesToPlaylist(playlist.id, [
          { entity_id: task.entity_id },
        ]);
        expect(result.shots).toEqual([
          { entity_id: task.entity_id, preview_file_id: task.last_preview_file_id },
        ]);
        expect(zou.playlistAddMode).toBe('replace');
        expect(legacy.log.map((entry) => `${entry.method} ${entry.status}`)).toEqual([
          'POST 201', // create
          'POST 404', // add-entities
          'GET 200', // the playlist exists
          'POST 404', // add-entity
          'GET 200', // read the list
          'GET 200', // previews of the entity
          'PUT 200', // write it back
        ]);
        legacy.resetLog();
        await zou.addEntitiesToPlaylist(playlist.id, [{ entity_id: task.entity_id }]);
        expect(legacy.log.map((entry) => entry.route)).toEqual([
          'GET /data/playlists/:id',
          'GET /data/playlists/entities/:id/preview-files',
          'PUT /data/playlists/:id',
        ]);
        expect(legacy.data.playlists.get(playlist.id)!.shots).toHaveLength(1);
      } finally {
        await legacy.close();
      }
    });
  });

  describe('limits', () => {
    it('keeps at most ZOU_MAX_CONCURRENCY calls in flight', async () => {
      sim.setLatency(80);
      const zou = clientFor({ ZOU_MAX_CONCURRENCY: '2' });
      const started = Date.now();
      await Promise.all(
        tasksOf(tv)
          .slice(0, 6)
          .map((t) => zou.getTask(t.id)),
      );
      // 6 calls, 2 at a time, 80 ms each: at least 3 rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(230);
      const arrivals = sim.calls('GET /data/tasks/:id').map((entry) => entry.at);
      const burst = arrivals.filter((at) => at - arrivals[0] < 40);
      expect(burst).toHaveLength(2);
    });
  });
});
