import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../src/simulator/zou';
import { startStack, type TestStack } from '../support/stack';

describe('authorization: who may run what, and who may see a job', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let tvTask: string;
  let filmTask: string;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 12, size: 'small' });
    stack = await startStack({
      workers: false,
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'kitsu-session',
        AUTH_CACHE_SECONDS: '60',
      },
    });
    const tasks = [...zou.data.tasks.values()];
    tvTask = tasks.find((t) => t.project_id === zou.data.projectIds.tvShow)!.id;
    filmTask = tasks.find((t) => t.project_id === zou.data.projectIds.film)!.id;
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  type Who = keyof typeof zou.data.people;
  function post(action: string, who: Who, selection: string[], projectId: string | null = null) {
    const person = zou.data.people[who];
    return request(stack.url)
      .post(`/actions/${action}`)
      .set('Authorization', `Bearer ${zou.issueToken(person.id)}`)
      .send({ userid: person.id, useremail: person.email, productionid: projectId, selection });
  }

  it('refuses a person outside the project, naming the rule', async () => {
    const res = await post('inspect', 'outsider', [tvTask]).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, rule: 'project-membership' });
    expect(res.body.message).toMatch(/not in the team of project/);
  });

  it('refuses a task from another project than the claimed one', async () => {
    const res = await post('inspect', 'supervisor', [tvTask, filmTask], zou.data.projectIds.tvShow);
    expect(res.status).toBe(403);
    expect(res.body.rule).toBe('claimed-project');
    expect(res.body.message).toContain(filmTask);
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

  it('answers 503 with Retry-After when Zou is down during the check', async () => {
    const faults = Array.from({ length: 20 }, () => ({ status: 503 }));
    zou.injectFaults(...faults);
    const res = await post('inspect', 'client', [filmTask]);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
