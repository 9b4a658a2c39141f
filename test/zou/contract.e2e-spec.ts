import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import { publishPreview } from '../../dev/simulator/zou/dataset';
import { TokenSigner } from '../../dev/simulator/zou/tokens';
import type { ZouEntity, ZouTask } from '../../src/zou/zou.types';

/**
 * The Zou contract: every exchange recorded against a real Zou 1.0.67
 * (test/fixtures/zou-contract, see its README) is replayed against the simulator, with the
 * recorded scenario's ids and callers mapped onto simulator data. Status, envelope (list, paged
 * envelope, object) and the set of fields present must match, nested objects included; error
 * bodies must match exactly. Values are not compared (ids, names, timestamps differ).
 */

type Json = ReturnType<typeof JSON.parse>;

interface Exchange {
  name: string;
  as: 'admin' | 'bot' | 'alice' | 'bob' | 'carol' | 'anonymous';
  note?: string;
  request: { method: string; path: string; query?: Record<string, string>; body: Json };
  response: { status: number; content_type?: string; body: Json };
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'zou-contract');
/** Files in an order that keeps the recorded preconditions (comments exist before listing). */
const FILES = [
  'auth',
  'projects',
  'persons',
  'entities',
  'comments',
  'tasks',
  'previews',
  'playlists',
  'custom_actions',
  'team_roles',
  'stats',
];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** Free-form JSON columns: present or not, their inside is data. */
const FREE_FORM = new Set(['data', 'annotations', 'checklist', 'status_automations', 'evolution']);

// Recorded scenario ids (see the fixtures' README).
const R = {
  persons: {
    admin: 'ea1a418e-308c-47b0-9fa9-835bcd45cb5a',
    alice: '22d56e16-73bc-4284-932d-636d9c7cdee1',
    bob: 'aea40b89-d5d7-4cc7-9aa3-b22bfc5533e1',
    bot: 'ebcb67a0-2321-4bb1-a7b3-35e31edb2c3a',
    carol: '73269f61-fb43-446a-beb1-ccc906beb948',
  },
  P: 'd2d17e2c-1442-44d6-8674-5f7fa42ae760',
  TV: '3d53b5b4-318c-4991-bb67-964c8ae6abd3',
  P2task: '98568b05-de53-4113-a41a-e41a1900967b',
  sequences: ['088e1f5d-40c2-4835-bd16-9fdaefabec6f', '86d10bb7-a56f-4de4-8771-376532733327'],
  shots: [
    [
      '7815df38-5dd1-4cac-b8d9-deb7a69ef374',
      '7c29d15f-f57c-48d4-b038-04717288b2c3',
      '1b735d3a-d893-4a10-83e3-6eb3567eadca',
    ],
    [
      'db76013b-bb9d-476b-b2ee-68f4295724ee',
      '777fc943-41c3-47ae-94c3-688967494f7a',
      'faf228ee-2277-4a36-a40f-2ff4cd92bf8f',
    ],
  ],
  hero: 'fbf0d518-554c-4e6b-b0d3-a775481df10f',
  sword: '64b3e5d3-ffb2-4a35-8c99-d1b98a1f9775',
  episodes: ['ef64f642-c571-4548-846c-aa1f5014cfe1', 'a5d7ad5d-5b0e-4f64-8b17-184cbe54e294'],
  tasks: {
    T1: '0c9fe898-f7fe-427b-abdd-45089ce02b35',
    T2: '7fb00dd9-ce30-4c72-a3fa-2fa024fb4d9d',
    T3: 'd5d4cd0d-8350-4719-b5c0-a45fc1669e62',
    T5: '48ea9db6-4385-4cb7-b944-00b471f193a7',
  },
  /** T1's previews, revision 1 to 3. */
  t1Previews: [
    '769a7f36-8d5d-4b10-a773-d689e66933f8',
    '99a73f7b-6ea8-46e5-92d2-95f3681458ee',
    '80cf5591-6fbd-4cb9-bf70-9fb9def7564b',
  ],
  t2Preview: '5d933a7e-7847-4cc2-b07b-8e03c1b4dfb6',
  t3Preview: '8d3debf3-91d2-49f2-85b2-c810d94ff10e',
  taskTypes: {
    Animation: '3c9fb27e-9faf-42fb-a95d-ba430390e6fe',
    Lighting: 'c143b88c-263d-45ae-b00d-289b7d7e397c',
    Compositing: '0a42439d-7e16-47e2-88fc-a37f9c9dc75b',
  },
  statuses: {
    todo: '967c04a0-7f16-44a9-ac61-1521c7b36af5',
    wip: 'a14ac621-0fa6-4d40-b8bd-5d7c3335ae06',
    wfa: 'f41b7427-eed9-4c12-8d03-6f74953d12fa',
    retake: 'd4bcd8c5-3b95-401b-b5ae-865a3a684527',
    done: 'e0b4b17d-cdd2-42e1-92ad-94eade64e47b',
  },
};

/** Maps the recorded scenario onto simulator data, arranging the preconditions it needs. */
function mapScenario(sim: ZouSimulator): Map<string, string> {
  const data = sim.data;
  const ids = new Map<string, string>();
  const people = data.people;
  ids.set(R.persons.admin, people.admin.id);
  ids.set(R.persons.bot, people.bot.id);
  ids.set(R.persons.alice, people.supervisor.id);
  ids.set(R.persons.bob, people.artist.id);
  ids.set(R.persons.carol, people.outsider.id);
  const { film, tvShow } = data.projectIds;
  ids.set(R.P, film);
  ids.set(R.TV, tvShow);
  const entities = [...data.entities.values()];
  const children = (parentId: string | null, type: ZouEntity['type'], projectId: string) =>
    entities.filter(
      (entity) =>
        entity.type === type && entity.parent_id === parentId && entity.project_id === projectId,
    );
  const sequences = children(null, 'Sequence', film);
  const shots = sequences.map((sequence) => children(sequence.id, 'Shot', film));
  R.sequences.forEach((id, s) => ids.set(id, sequences[s].id));
  R.shots.forEach((row, s) => row.forEach((id, n) => ids.set(id, shots[s][n].id)));
  const assets = children(null, 'Asset', film);
  const assetOfType = (name: string) =>
    assets.find((asset) => data.entityTypes.get(asset.entity_type_id)?.name === name)!;
  ids.set(R.hero, assetOfType('Character').id);
  ids.set(R.sword, assetOfType('Prop').id);
  const episodes = children(null, 'Episode', tvShow);
  R.episodes.forEach((id, e) => ids.set(id, episodes[e].id));
  const typeByName = (name: string) =>
    [...data.taskTypes.values()].find((type) => type.name === name)!.id;
  for (const [name, id] of Object.entries(R.taskTypes)) ids.set(id, typeByName(name));
  for (const [short, id] of Object.entries(R.statuses))
    ids.set(id, [...data.taskStatuses.values()].find((status) => status.short_name === short)!.id);

  const tasks = [...data.tasks.values()];
  const animationOf = (entity: ZouEntity) =>
    tasks.find(
      (task) =>
        task.entity_id === entity.id && task.task_type_id === ids.get(R.taskTypes.Animation),
    )!;
  const dropPreviews = (task: ZouTask) => {
    for (const preview of [...data.previewFiles.values()])
      if (preview.task_id === task.id) data.previewFiles.delete(preview.id);
    task.last_preview_file_id = null;
  };
  const T1 = animationOf(shots[0][0]);
  const T2 = animationOf(shots[1][0]);
  const T3 = animationOf(shots[0][1]);
  const T5 = animationOf(shots[0][2]);
  ids.set(R.tasks.T1, T1.id);
  ids.set(R.tasks.T2, T2.id);
  ids.set(R.tasks.T3, T3.id);
  ids.set(R.tasks.T5, T5.id);
  ids.set(R.P2task, tasks.find((task) => task.project_id === tvShow)!.id);
  // T1: bob's, three picture previews. T2, T3: one preview each; T3 not bob's. SH030: none.
  T1.assignees = [people.artist.id];
  // In the recorded studio every status is open to artists (bob comments with `done`).
  for (const status of data.taskStatuses.values()) status.is_artist_allowed = true;
  T3.assignees = T3.assignees.filter((id) => id !== people.artist.id);
  for (const task of [T1, T2, T3]) dropPreviews(task);
  for (const task of tasks.filter((task) => task.entity_id === shots[0][2].id)) dropPreviews(task);
  R.t1Previews.forEach((id, index) =>
    ids.set(id, publishPreview(data, T1, { extension: 'png', revision: index + 1 }).id),
  );
  ids.set(R.t2Preview, publishPreview(data, T2, { extension: 'png', revision: 1 }).id);
  ids.set(R.t3Preview, publishPreview(data, T3, { extension: 'png', revision: 1 }).id);
  return ids;
}

function substitute(text: string, ids: Map<string, string>, exchange: Exchange): string {
  return text.replace(UUID, (id) => {
    const mapped = ids.get(id.toLowerCase());
    if (mapped) return mapped;
    if (id === UNKNOWN_ID) return id;
    throw new Error(`${exchange.name}: recorded id ${id} has no simulator counterpart`);
  });
}

function tokenFor(sim: ZouSimulator, exchange: Exchange): string | null {
  switch (exchange.as) {
    case 'admin':
      return sim.tokens.admin;
    case 'bot':
      return sim.tokens.bot;
    case 'alice':
      return sim.tokens.supervisor;
    case 'bob':
      return sim.tokens.artist;
    case 'carol':
      return sim.tokens.outsider;
    case 'anonymous':
      if (!exchange.note) return null;
      if (exchange.note.includes('not-a-jwt')) return 'not-a-jwt.garbage.value';
      return new TokenSigner('another secret').sign({
        sub: sim.data.people.admin.id,
        type: 'access',
        iat: 0,
        identity_type: 'person',
      });
  }
}

/** Login bodies: recorded emails and passwords (replaced by `<token>`) onto the simulator's. */
function loginBody(sim: ZouSimulator, exchange: Exchange): Json {
  const body = exchange.request.body as { email: string; password: string };
  const email = body.email === 'bob@example.com' ? sim.data.people.artist.email : body.email;
  const good = exchange.name.includes('good password');
  return { email, password: good ? sim.data.password : 'not-the-password' };
}

const kindOf = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

/** Object keys, with id keys (stats, previews by task type) folded into one `<id>`. */
const keysOf = (value: Record<string, unknown>) =>
  new Set(Object.keys(value).map((key) => (key.match(UUID)?.[0] === key ? '<id>' : key)));
const firstIdKeyed = (value: Record<string, unknown>, key: string) =>
  key === '<id>'
    ? Object.entries(value).find(([name]) => name.match(UUID)?.[0] === name)?.[1]
    : value[key];

/**
 * Differences in envelope and field sets, one line each, with a JSON-path-like location. An
 * empty list where the other has items is a difference only for the answer's own list (who sees
 * what); nested lists (assignees, tasks of an entity) hold data.
 */
function shapeDiff(recorded: unknown, actual: unknown, path = '$'): string[] {
  const recordedKind = kindOf(recorded);
  const actualKind = kindOf(actual);
  // A nullable column holds null in one answer and a value in the other: data, not shape.
  if (recordedKind === 'null' || actualKind === 'null') return [];
  if (recordedKind !== actualKind) return [`${path}: ${actualKind} instead of ${recordedKind}`];
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    if (recorded.length === 0 || actual.length === 0) {
      const isAnswerList = path === '$' || path === '$.data';
      return !isAnswerList || (recorded.length === 0) === (actual.length === 0)
        ? []
        : [`${path}: ${actual.length} items instead of ${recorded.length}`];
    }
    return shapeDiff(recorded[0], actual[0], `${path}[0]`);
  }
  if (recordedKind !== 'object') return [];
  const want = recorded as Record<string, unknown>;
  const got = actual as Record<string, unknown>;
  const wantKeys = keysOf(want);
  const gotKeys = keysOf(got);
  const diffs: string[] = [];
  const missing = [...wantKeys].filter((key) => !gotKeys.has(key));
  const extra = [...gotKeys].filter((key) => !wantKeys.has(key));
  if (missing.length) diffs.push(`${path}: missing ${missing.sort().join(', ')}`);
  if (extra.length) diffs.push(`${path}: extra ${extra.sort().join(', ')}`);
  for (const key of wantKeys) {
    if (!gotKeys.has(key) || FREE_FORM.has(key)) continue;
    diffs.push(...shapeDiff(firstIdKeyed(want, key), firstIdKeyed(got, key), `${path}.${key}`));
  }
  return diffs;
}

const contractFiles = FILES.map((file) => ({
  file,
  exchanges: (
    JSON.parse(readFileSync(join(FIXTURES, `${file}.json`), 'utf8')) as { exchanges: Exchange[] }
  ).exchanges,
}));

describe('Zou contract (recordings of Zou 1.0.67 replayed against the simulator)', () => {
  let sim: ZouSimulator;
  let ids: Map<string, string>;

  beforeAll(async () => {
    sim = await startZouSimulator({ seed: 7, size: 'small' });
    ids = mapScenario(sim);
    // The recorded studio had custom actions before the recording listed them.
    const seeded = await fetch(`${sim.url}/data/custom-actions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.tokens.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Forward', url: 'http://127.0.0.1/actions/forward' }),
    });
    expect(seeded.status).toBe(201);
  });

  afterAll(() => sim.close());

  describe.each(contractFiles)('$file', ({ exchanges }) => {
    it.each(
      exchanges.map((exchange, index) => [`${index} ${exchange.as}: ${exchange.name}`, exchange]),
    )('%s', async (_title, exchange) => {
      const recorded = exchange;
      const { request, response } = recorded;
      const path = substitute(request.path, ids, recorded);
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query ?? {}))
        query.set(key, substitute(value, ids, recorded));
      const body =
        request.path === '/auth/login'
          ? loginBody(sim, recorded)
          : request.body === null || request.body === undefined
            ? undefined
            : JSON.parse(substitute(JSON.stringify(request.body), ids, recorded));
      const headers: Record<string, string> = {};
      const token = tokenFor(sim, recorded);
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const search = query.size > 0 ? `?${query.toString()}` : '';
      const answer = await fetch(`${sim.url}${path}${search}`, {
        method: request.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const contentType = answer.headers.get('content-type') ?? '';
      const text = await answer.text();
      const actual: Json = contentType.includes('json') && text ? JSON.parse(text) : text;

      const problems: string[] = [];
      if (answer.status !== response.status)
        problems.push(`status ${answer.status} instead of ${response.status}`);
      if (
        response.status !== 204 &&
        response.content_type &&
        !contentType.startsWith(response.content_type)
      )
        problems.push(`content type ${contentType} instead of ${response.content_type}`);
      if (response.status >= 400) {
        if (JSON.stringify(actual) !== JSON.stringify(response.body))
          problems.push(`error body ${JSON.stringify(actual)}`);
      } else if (response.content_type?.includes('json')) {
        problems.push(...shapeDiff(response.body, actual));
      }
      // Objects created here stand for those created in the recording from now on.
      if (
        answer.status < 300 &&
        kindOf(response.body) === 'object' &&
        typeof response.body.id === 'string' &&
        !ids.has(response.body.id) &&
        typeof actual?.id === 'string'
      ) {
        ids.set(response.body.id, actual.id);
      }
      expect(problems).toEqual([]);
    });
  });
});
