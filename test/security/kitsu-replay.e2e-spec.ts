import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouPerson, ZouProject, ZouTask, ZouTaskType } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';

/**
 * Replays the exact requests the real Kitsu 1.0.54 front end sent (test/fixtures/kitsu-1.0.54.json,
 * recorded against Zou 1.0.67) through the intake, with the recorded people, project, tasks and
 * per-project roles put into the Zou simulator under their recorded ids.
 */
interface RecordedRequest {
  scenario: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  response: { status: number; location?: string; contentType: string };
}

const recording = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'kitsu-1.0.54.json'), 'utf8'),
) as { requests: RecordedRequest[] };

// Ids of the recording (see the Zou contract README: project P, TV, Alice, Bob, tasks T1-T5).
const P = 'd2d17e2c-1442-44d6-8674-5f7fa42ae760';
const TV = '3d53b5b4-318c-4991-bb67-964c8ae6abd3';
const ALICE = { id: '22d56e16-73bc-4284-932d-636d9c7cdee1', email: 'alice@example.com' };
const BOB = { id: 'aea40b89-d5d7-4cc7-9aa3-b22bfc5533e1', email: 'bob@example.com' };
const ANIMATION = '3c9fb27e-9faf-42fb-a95d-ba430390e6fe';
const P_TASKS = [
  '0c9fe898-f7fe-427b-abdd-45089ce02b35', // T1
  'd5d4cd0d-8350-4719-b5c0-a45fc1669e62', // T3
  '48ea9db6-4385-4cb7-b944-00b471f193a7', // T5
  '689a66a3-2322-4be7-a576-e28969416169', // SQ020/SH030 Animation, bob's (My tasks)
];
/** A TV task (not in the recording) for the cross-project "My tasks" selection. */
const TV_TASK = '5b1f7c2e-0d4a-4c8e-9a51-6f0e2b7d9c31';

describe('replay of the requests the real Kitsu 1.0.54 sent', () => {
  let zou: ZouSimulator;
  let stack: TestStack;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 54, size: 'small' });
    const data = zou.data;
    const template = [...data.persons.values()].find((p) => p.role === 'user')!;
    const person = (who: typeof ALICE, first: string, role: ZouPerson['role']) =>
      data.persons.set(who.id, {
        ...template,
        id: who.id,
        email: who.email,
        first_name: first,
        full_name: first,
        role,
      });
    person(ALICE, 'Alice', 'supervisor');
    person(BOB, 'Bob', 'user');
    const film = data.projects.get(data.projectIds.film)!;
    const project = (id: string, name: string): ZouProject => ({
      ...film,
      id,
      name,
      team: [ALICE.id, BOB.id, data.people.bot.id],
    });
    data.projects.set(P, project(P, 'Seed Production'));
    data.projects.set(TV, project(TV, 'Realrun TV'));
    // As recorded: Alice has the project role supervisor on P, Bob none (his global role).
    data.projectRoles.set(`${P}/${ALICE.id}`, 'supervisor');
    const shotType = [...data.taskTypes.values()].find((t) => t.for_entity === 'Shot')!;
    const animation: ZouTaskType = { ...shotType, id: ANIMATION, name: 'Animation' };
    data.taskTypes.set(ANIMATION, animation);
    const filmTask = [...data.tasks.values()].find((t) => t.project_id === film.id)!;
    const task = (id: string, projectId: string): ZouTask => ({
      ...filmTask,
      id,
      project_id: projectId,
      task_type_id: ANIMATION,
      assignees: [BOB.id],
    });
    for (const id of P_TASKS) data.tasks.set(id, task(id, P));
    data.tasks.set(TV_TASK, task(TV_TASK, TV));

    stack = await startStack({
      workers: false,
      env: { ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.bot, AUTH_MODE: 'kitsu-session' },
    });
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  /** The recorded request as sent, on our host, with a live session cookie for its person. */
  function replay(recorded: RecordedRequest, body = recorded.body) {
    const personId = recorded.body.includes(ALICE.id) ? ALICE.id : BOB.id;
    const origin = new URL(stack.url).origin;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(recorded.headers)) {
      if (['host', 'content-length', 'connection', 'accept-encoding'].includes(name)) continue;
      headers[name] = value.replaceAll('http://127.0.0.1:16430', origin);
    }
    headers.cookie = `access_token_cookie=${zou.issueToken(personId)}`;
    return request(stack.url).post(recorded.path).set(headers).send(body).redirects(0);
  }

  /**
   * A click on an action with options (render) lands on its options page first (docs/options.md):
   * run it with the defaults, as the person would with Run, and answer the job page's location.
   */
  async function throughOptions(
    recorded: RecordedRequest,
    res: request.Response,
  ): Promise<request.Response> {
    const location = String(res.headers.location ?? '');
    if (!location.startsWith('/options/')) return res;
    const personId = recorded.body.includes(ALICE.id) ? ALICE.id : BOB.id;
    const binding = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .map((cookie) => cookie.split(';')[0])
      .find((cookie) => cookie.startsWith('ka_options='))!;
    const cookie = `access_token_cookie=${zou.issueToken(personId)}; ${binding}`;
    // A form of several steps (render: where it runs) answers Next with the form again.
    let answer: request.Response | null = null;
    for (let step = 1; step <= 5 && location.startsWith('/options/'); step++) {
      const form = await request(stack.url)
        .get(location)
        .set({ cookie, accept: 'text/html' })
        .expect(200);
      expect(form.text).toContain('id="options-form"');
      answer = await request(stack.url)
        .post(location)
        .set({ cookie, accept: 'text/html', origin: new URL(stack.url).origin })
        .type('form')
        .send({})
        .redirects(0)
        .expect(303);
      if (!String(answer.headers.location).startsWith('/options/')) break;
    }
    return answer!;
  }

  it('answers every recorded click as recorded', async () => {
    const locations = new Map<string, string>();
    for (const recorded of recording.requests) {
      const res = await replay(recorded);
      const ran = await throughOptions(recorded, res);
      expect({ scenario: recorded.scenario, status: res.status }).toEqual({
        scenario: recorded.scenario,
        status: recorded.response.status,
      });
      expect(res.headers['content-type']).toBe(recorded.response.contentType);
      if (recorded.response.location) {
        // Same kind of job (its queue), with a view token; the ids are random.
        const queue = /^\/jobs\/([a-z-]+)\./.exec(recorded.response.location)![1];
        expect(ran.headers.location).toMatch(new RegExp(`^/jobs/${queue}\\.[\\w-]+\\?view=`));
        // The double click (same person, action, tasks) gives the same job, as recorded.
        const earlier = locations.get(recorded.scenario);
        if (earlier) expect(ran.headers.location).toBe(earlier);
        locations.set(recorded.scenario, ran.headers.location);
      }
      if (recorded.response.status === 403 && res.type === 'application/json') {
        expect(res.body).toMatchObject({ rule: 'action-role' });
        expect(res.body.message).toMatch(/role "user" in project .* may not run playlist/);
      }
    }
  });

  it('shows the real entity type of a "My tasks" click, not Kitsu\'s "episode"', async () => {
    const myTasks = recording.requests.find((r) => r.scenario === 'bob-mytasks-render')!;
    expect(myTasks.body).toContain('entitytype=episode');
    const res = await throughOptions(myTasks, await replay(myTasks).expect(303));
    const page = await request(stack.url)
      .get(res.headers.location)
      .set('accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('1 task(s) · shot');
    expect(page.text).not.toContain('· episode');
  });

  it('accepts a "My tasks" selection across projects, productionid naming the first task\'s', async () => {
    const myTasks = recording.requests.find((r) => r.scenario === 'bob-mytasks-render')!;
    // Before: refused whole with claimed-project. Now each task is judged in its own project.
    const body = myTasks.body.replace(
      'selection=689a66a3-2322-4be7-a576-e28969416169',
      `selection=689a66a3-2322-4be7-a576-e28969416169%2C${TV_TASK}`,
    );
    const res = await throughOptions(myTasks, await replay(myTasks, body).expect(303));
    const page = await request(stack.url)
      .get(res.headers.location)
      .set('accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('2 task(s) · shot');
  });
});
