// AUTHZ off: these tests feed unknown task ids to check what the worker does with them;
// intake authorization (which refuses them) is covered in test/security/authz.e2e-spec.ts.
import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouPlaylist, ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';

const KITSU = 'https://kitsu.test';

interface Outcome {
  id: string;
  name: string;
  url: string;
  episodeId: string | null;
  added: number;
  skipped: Array<{ taskId: string; reason: string }>;
}

function click(zou: ZouSimulator, taskIds: string[], who: 'supervisor' | 'manager' = 'supervisor') {
  const person = zou.data.people[who];
  return {
    userid: person.id,
    useremail: person.email,
    productionid: zou.data.projectIds.tvShow,
    originurl: '/productions/x/shots',
    originserver: 'kitsu.test',
    selection: taskIds,
    entitytype: 'shot',
  };
}

async function run(stack: TestStack, body: object) {
  const accepted = await request(stack.url).post('/actions/playlist').send(body).expect(202);
  await stack.waitForJob(accepted.body.jobId as string);
  const job = await request(stack.url)
    .get(`/jobs/${accepted.body.jobId as string}`)
    .set('Accept', 'application/json');
  return { accepted: accepted.body as { jobId: string; duplicate: boolean }, job: job.body };
}

/** The tasks of one task type on the TV show's shots, by episode (dataset order). */
function shotTasksByEpisode(zou: ZouSimulator, taskTypeName: string) {
  const type = [...zou.data.taskTypes.values()].find((t) => t.name === taskTypeName)!;
  const byEpisode = new Map<string, ZouTask[]>();
  for (const task of zou.data.tasks.values()) {
    if (task.task_type_id !== type.id || task.project_id !== zou.data.projectIds.tvShow) continue;
    const shot = zou.data.entities.get(task.entity_id)!;
    if (shot.type !== 'Shot') continue;
    const episodeId = zou.data.entities.get(shot.parent_id!)!.parent_id!;
    byEpisode.set(episodeId, [...(byEpisode.get(episodeId) ?? []), task]);
  }
  return { type, byEpisode };
}

function playlistsCreatedSince(zou: ZouSimulator, before: Set<string>): ZouPlaylist[] {
  return [...zou.data.playlists.values()].filter((p) => !before.has(p.id));
}

describe('playlist action against the Zou simulator', () => {
  let zou: ZouSimulator;
  let stack: TestStack;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 11, size: 'medium' });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTHZ: 'off',
        ZOU_RETRIES: '0',
        KITSU_URL: KITSU,
        PLAYLIST_NAME_TEMPLATE: '{task_type} review {episode}',
        PLAYLIST_COMMENT: 'true',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  it('makes one playlist per episode with the latest previews in selection order, lists skipped tasks', async () => {
    const { type, byEpisode } = shotTasksByEpisode(zou, 'Lighting');
    const [firstEpisode, secondEpisode] = [...byEpisode.keys()];
    // Reverse order in the first episode: the playlist must follow the selection, not Zou.
    const selectionA = [...byEpisode.get(firstEpisode)!].reverse().slice(0, 8);
    const selectionB = byEpisode.get(secondEpisode)!.slice(0, 5);
    // One task keeps its previews but loses last_preview_file_id: the newest of its type is used.
    const fallbackTask = selectionA.find((t) => t.last_preview_file_id)!;
    const fallbackPreview = fallbackTask.last_preview_file_id!;
    fallbackTask.last_preview_file_id = null;
    const selection = [...selectionA, ...selectionB];
    const expectedPreview = (t: ZouTask) =>
      t.id === fallbackTask.id ? fallbackPreview : t.last_preview_file_id;
    const before = new Set(zou.data.playlists.keys());

    const { job } = await run(
      stack,
      click(
        zou,
        selection.map((t) => t.id),
      ),
    );
    expect(job.state).toBe('completed');
    // Run with the defaults: the page says what an empty name means, not just "empty".
    expect(job.options).toContainEqual({
      name: 'name',
      label: 'Playlist name',
      value: '',
      valueLabel: "the studio's name template, each playlist its own",
    });
    const outcomes = job.result.playlists as Outcome[];
    expect(outcomes).toHaveLength(2);
    for (const [episodeId, tasks] of [
      [firstEpisode, selectionA],
      [secondEpisode, selectionB],
    ] as const) {
      const outcome = outcomes.find((o) => o.episodeId === episodeId)!;
      const stored = zou.data.playlists.get(outcome.id)!;
      const episodeName = zou.data.entities.get(episodeId)!.name;
      expect(stored.name).toBe(`Lighting review ${episodeName}`);
      expect(outcome.name).toBe(stored.name);
      expect(stored.task_type_id).toBe(type.id);
      expect(stored.for_entity).toBe('shot');
      expect(stored.episode_id).toBe(episodeId);
      // Not for the client unless someone chose so (option forClient).
      expect(stored.for_client).toBe(false);
      const withPreview = tasks.filter((t) => expectedPreview(t));
      expect(stored.shots).toEqual(
        withPreview.map((t) => ({ entity_id: t.entity_id, preview_file_id: expectedPreview(t) })),
      );
      expect(outcome.added).toBe(withPreview.length);
      expect(outcome.skipped.map((s) => s.taskId)).toEqual(
        tasks.filter((t) => !expectedPreview(t)).map((t) => t.id),
      );
      expect(outcome.url).toBe(
        `${KITSU}/productions/${zou.data.projectIds.tvShow}/episodes/${episodeId}/playlists/${outcome.id}`,
      );
      // Each added task got a comment linking to its playlist.
      for (const t of withPreview) {
        const comments = [...zou.data.comments.values()].filter((c) => c.object_id === t.id);
        expect(comments.some((c) => c.text.includes(outcome.url))).toBe(true);
      }
    }
    const page = await request(stack.url)
      .get(`/jobs/${job.id as string}`)
      .set('Accept', 'text/html');
    expect(page.text).toContain(`href="${outcomes[0].url}"`);
    expect(page.text).toContain('Open in Kitsu');
    expect(playlistsCreatedSince(zou, before)).toHaveLength(2);
    expect(job.result.summary).toMatch(
      /^2 playlists created: 'Lighting review E\d+' \(\d+ shots?\)/,
    );
  });

  it('gives a clashing name a suffix and a repeated click nothing new', async () => {
    const { byEpisode } = shotTasksByEpisode(zou, 'Animation');
    const [episodeId, tasks] = [...byEpisode.entries()][0];
    const selection = tasks.filter((t) => t.last_preview_file_id).slice(0, 3);
    const episodeName = zou.data.entities.get(episodeId)!.name;
    const before = new Set(zou.data.playlists.keys());
    const first = await run(
      stack,
      click(
        zou,
        selection.map((t) => t.id),
        'supervisor',
      ),
    );
    const again = await run(
      stack,
      click(
        zou,
        selection.map((t) => t.id),
        'supervisor',
      ),
    );
    expect(again.accepted.duplicate).toBe(true);
    expect(again.accepted.jobId).toBe(first.accepted.jobId);
    // Another person, same selection and minute: same name, so Zou answers 400 and we suffix.
    const second = await run(
      stack,
      click(
        zou,
        selection.map((t) => t.id),
        'manager',
      ),
    );
    expect(first.job.result.playlists[0].name).toBe(`Animation review ${episodeName}`);
    expect(second.job.state).toBe('completed');
    expect(second.job.result.playlists[0].name).toBe(`Animation review ${episodeName} (2)`);
    expect(second.job.result.summary).toBe(
      `Playlist 'Animation review ${episodeName} (2)' created with 3 shots`,
    );
    expect(playlistsCreatedSince(zou, before)).toHaveLength(2);
  });

  it('keeps names unique in a project without episodes, where Zou accepts duplicates', async () => {
    const film = zou.data.projectIds.film;
    const animation = [...zou.data.taskTypes.values()].find((t) => t.name === 'Animation')!;
    const selection = [...zou.data.tasks.values()]
      .filter(
        (t) =>
          t.project_id === film &&
          t.task_type_id === animation.id &&
          t.last_preview_file_id &&
          zou.data.entities.get(t.entity_id)!.type === 'Shot',
      )
      .slice(0, 2)
      .map((t) => t.id);
    const inFilm = (who: 'supervisor' | 'manager') => ({
      ...click(zou, selection, who),
      productionid: film,
    });
    const before = new Set(zou.data.playlists.keys());
    // Two people click at once: whatever the interleaving, two playlists with two names.
    const [first, second] = await Promise.all([
      run(stack, inFilm('supervisor')),
      run(stack, inFilm('manager')),
    ]);
    expect([first.job.state, second.job.state]).toEqual(['completed', 'completed']);
    const created = playlistsCreatedSince(zou, before);
    expect(created).toHaveLength(2);
    expect(created.every((p) => p.project_id === film && p.episode_id === null)).toBe(true);
    const names = created.map((p) => p.name).sort();
    expect(names[1]).toBe(`${names[0]} (2)`);
    // A third click looks first and takes the next free name.
    const third = await run(stack, { ...inFilm('supervisor'), selection: selection.slice(0, 1) });
    expect(third.job.result.playlists[0].name).toBe(`${names[0]} (3)`);
  });

  it('creates a playlist for the client when the person chose so, and says so in the comment', async () => {
    const { byEpisode } = shotTasksByEpisode(zou, 'Layout');
    const tasks = [...byEpisode.values()][0].filter((t) => t.last_preview_file_id).slice(0, 2);
    const before = new Set(zou.data.playlists.keys());
    const { job } = await run(stack, {
      ...click(
        zou,
        tasks.map((t) => t.id),
      ),
      options: { forClient: true, name: 'Client review' },
    });
    expect(job.state).toBe('completed');
    const [created] = playlistsCreatedSince(zou, before);
    expect(created.for_client).toBe(true);
    expect(created.name).toBe('Client review');
    expect(job.result.playlists[0].forClient).toBe(true);
    // The simulator answers for_client as Zou does, on a read too.
    const read = await request(zou.url)
      .get(`/data/playlists/${created.id}`)
      .set('Authorization', `Bearer ${zou.tokens.bot}`)
      .expect(200);
    expect(read.body.for_client).toBe(true);
    expect(job.options).toEqual([
      { name: 'name', label: 'Playlist name', value: 'Client review' },
      { name: 'forClient', label: 'For the client', value: true },
      // Left at its default, the task type the tasks share, named as the form lists it.
      {
        name: 'taskType',
        label: 'Task type',
        value: tasks[0].task_type_id,
        valueLabel: 'Layout',
      },
    ]);
    // Each added task's comment names the options chosen (those not left at their defaults).
    for (const t of tasks) {
      const comment = [...zou.data.comments.values()].find(
        (c) => c.object_id === t.id && c.text.includes('[Client review]'),
      );
      expect(comment?.text).toContain('\nOptions: playlist name Client review, for the client yes');
    }
    const page = await request(stack.url)
      .get(`/jobs/${job.id as string}`)
      .set('Accept', 'text/html');
    expect(page.text).toContain('<span data-for-client>for the client</span>');
    expect(page.text).toContain(
      '<div data-option="forClient"><dt>For the client</dt><dd>yes</dd></div>',
    );
  });

  it('reuses the playlist it created when adding failed, on the retry', async () => {
    const { byEpisode } = shotTasksByEpisode(zou, 'Compositing');
    const tasks = [...byEpisode.values()][1].filter((t) => t.last_preview_file_id).slice(0, 4);
    const before = new Set(zou.data.playlists.keys());
    zou.resetLog();
    zou.injectFaults({ status: 503, path: '/add-entities' });
    const { job } = await run(
      stack,
      click(
        zou,
        tasks.map((t) => t.id),
      ),
    );
    expect(job.state).toBe('completed');
    expect(job.attempts).toBe(2);
    expect(zou.calls('POST /data/playlists').filter((c) => c.status === 201)).toHaveLength(1);
    const created = playlistsCreatedSince(zou, before);
    expect(created).toHaveLength(1);
    expect(created[0].shots.map((s) => s.entity_id)).toEqual(tasks.map((t) => t.entity_id));
    expect(job.result.playlists[0].id).toBe(created[0].id);
  });

  it('skips every task of a group without previews and reports unknown ids', async () => {
    const noPreview = [...zou.data.tasks.values()].filter(
      (t) =>
        t.project_id === zou.data.projectIds.tvShow &&
        !t.last_preview_file_id &&
        zou.data.entities.get(t.entity_id)!.type === 'Asset',
    );
    const unknown = '00000000-0000-4000-8000-000000000001';
    const before = new Set(zou.data.playlists.keys());
    const { job } = await run(stack, click(zou, [noPreview[0].id, unknown]));
    expect(job.state).toBe('completed');
    expect(job.result.playlists).toEqual([]);
    expect(job.result.skipped).toEqual([expect.objectContaining({ taskId: noPreview[0].id })]);
    expect(job.result.missing).toEqual([unknown]);
    expect(playlistsCreatedSince(zou, before)).toHaveLength(0);
  });
});

describe('playlist action against an older Zou (no add-entities route)', () => {
  let zou: ZouSimulator;
  let stack: TestStack;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 12, size: 'small', legacyPlaylists: true });
    stack = await startStack({
      env: { ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.bot, AUTHZ: 'off' },
    });
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  it('falls back to writing the whole list', async () => {
    const tasks = [...zou.data.tasks.values()]
      .filter((t) => t.project_id === zou.data.projectIds.film && t.last_preview_file_id)
      .filter((t) => zou.data.entities.get(t.entity_id)!.type === 'Shot')
      .slice(0, 4);
    const { job } = await run(stack, {
      ...click(
        zou,
        tasks.map((t) => t.id),
      ),
      productionid: zou.data.projectIds.film,
    });
    expect(job.state).toBe('completed');
    const outcome = job.result.playlists[0] as Outcome;
    expect(outcome.episodeId).toBeNull();
    expect(outcome.url).toBe(
      `https://kitsu.test/productions/${zou.data.projectIds.film}/playlists/${outcome.id}`,
    );
    expect(outcome.name).toMatch(/ review \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(zou.calls('PUT /data/playlists/:id').length).toBeGreaterThan(0);
    expect(zou.data.playlists.get(outcome.id)!.shots).toEqual(
      tasks.map((t) => ({ entity_id: t.entity_id, preview_file_id: t.last_preview_file_id })),
    );
  });
});
