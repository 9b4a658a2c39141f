import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

const person = randomUUID();
const project = randomUUID();
const tasks = [randomUUID(), randomUUID(), randomUUID()];

function ajaxBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    userid: person,
    useremail: 'artist@studio.example',
    productionid: project,
    originurl: `/productions/${project}/shots/tasks`,
    originserver: 'kitsu.studio.example:443',
    selection: tasks,
    entitytype: 'shot',
    ...overrides,
  };
}

function formBody(overrides: Record<string, string> = {}): string {
  return new URLSearchParams({
    personid: person,
    personemail: 'artist@studio.example',
    projectid: project,
    currentpath: `/productions/${project}/shots/tasks`,
    currentserver: 'kitsu.studio.example:443',
    selection: tasks.join(','),
    entitytype: 'shot',
    ...overrides,
  }).toString();
}

describe('intake to queue to worker', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      extra: [EchoModule],
      env: { DEDUPE_WINDOW: '0', BODY_LIMIT: '8kb' },
    });
  });
  afterAll(() => stack.close());

  it('runs a JSON (AJAX mode) request to completion and shows the result', async () => {
    const accepted = await request(stack.url).post('/actions/echo').send(ajaxBody()).expect(202);
    expect(accepted.body).toMatchObject({ action: 'echo', status: 'queued', duplicate: false });
    expect(accepted.body.statusUrl).toContain(`/jobs/${accepted.body.jobId}`);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`).expect(200);
    expect(job.body).toMatchObject({
      id: accepted.body.jobId,
      action: 'echo',
      state: 'completed',
      progress: { percent: 100 },
      result: { taskIds: tasks, format: 'ajax' },
      failedReason: null,
      attempts: 1,
    });
    expect(job.body.createdAt).toEqual(expect.any(String));
    expect(job.body.finishedAt).toEqual(expect.any(String));
  });

  it('answers a form post with 303 to an HTML job page, and completes the same selection', async () => {
    const posted = await request(stack.url)
      .post('/actions/echo')
      .set('Accept', 'text/html,application/xhtml+xml')
      .type('form')
      .send(formBody())
      .expect(303);
    const location = posted.headers.location;
    expect(location).toMatch(/^\/jobs\/custom\./);
    const jobId = location.slice('/jobs/'.length);
    await stack.waitForJob(jobId);
    const page = await request(stack.url).get(location).set('Accept', 'text/html').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('completed');
    const json = await request(stack.url).get(location).set('Accept', 'application/json');
    expect(json.body.result).toMatchObject({ taskIds: tasks, format: 'form' });
  });

  it('accepts the documented form names sent as JSON, and folds duplicate task ids', async () => {
    const body = {
      personid: person,
      personemail: 'artist@studio.example',
      projectid: project,
      selection: [tasks[0], tasks[0].toUpperCase(), tasks[1]],
    };
    const accepted = await request(stack.url).post('/actions/echo').send(body).expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`);
    expect(job.body.result.taskIds).toEqual([tasks[0], tasks[1]]);
    expect(job.body.request.projectId).toBe(project);
  });

  it('treats an empty form projectid as no project', async () => {
    const posted = await request(stack.url)
      .post('/actions/echo')
      .type('form')
      .send(formBody({ projectid: '' }))
      .expect(303);
    const jobId = posted.headers.location.slice('/jobs/'.length);
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(job.body.request.projectId).toBeNull();
  });

  it.each([
    ['userid', { userid: 'not-a-uuid' }, /UUID/],
    ['useremail', { useremail: 'nobody' }, /email/],
    ['productionid', { productionid: 42 }, /UUID/],
    ['selection', { selection: [] }, /at least one/],
    ['selection', { selection: ['x'] }, /task UUIDs/],
    ['selection', { selection: 'nope' }, /task UUIDs/],
    ['entitytype', { entitytype: 'planet' }, /one of asset, shot/],
    ['userid or personid', { userid: undefined }, /required/],
  ])('names the bad field %s with a 400', async (field, overrides, reason) => {
    const res = await request(stack.url)
      .post('/actions/echo')
      .send(ajaxBody(overrides))
      .expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field, reason: expect.stringMatching(reason) }),
      ]),
    );
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|stack/i);
  });

  it('refuses both name sets with different values', async () => {
    const res = await request(stack.url)
      .post('/actions/echo')
      .send(ajaxBody({ personid: randomUUID() }))
      .expect(400);
    expect(res.body.errors[0].field).toBe('userid/personid');
  });

  it('answers a form post error with a small HTML page naming the field', async () => {
    const res = await request(stack.url)
      .post('/actions/echo')
      .type('form')
      .send(formBody({ personemail: 'nope' }))
      .expect(400);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('personemail');
  });

  it('refuses a selection over MAX_SELECTION', async () => {
    const big = await startStack({
      extra: [EchoModule],
      workers: false,
      env: { MAX_SELECTION: '2' },
    });
    try {
      const res = await request(big.url).post('/actions/echo').send(ajaxBody()).expect(400);
      expect(res.body.errors[0]).toMatchObject({
        field: 'selection',
        reason: expect.stringMatching(/at most 2/),
      });
    } finally {
      await big.close();
    }
  });

  it('answers 404 with the known actions for an unknown action', async () => {
    const res = await request(stack.url).post('/actions/nope').send(ajaxBody()).expect(404);
    expect(res.body.knownActions).toEqual(expect.arrayContaining(['echo', 'inspect']));
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(stack.url)
      .post('/actions/echo')
      .send(ajaxBody({ padding: 'x'.repeat(16 * 1024) }))
      .expect(413);
    expect(res.body.errors[0].field).toBe('body');
  });

  it('answers 415 for another content type', async () => {
    await request(stack.url)
      .post('/actions/echo')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await request(stack.url)
      .post('/actions/echo')
      .set('Content-Type', 'application/json')
      .send('{"userid": ')
      .expect(400);
    expect(res.body.message).toMatch(/not valid JSON/);
  });

  it('lists the actions with their Kitsu URLs', async () => {
    const res = await request(stack.url).get('/actions').expect(200);
    expect(res.body.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'echo',
          ajax: true,
          urls: [expect.stringMatching(/\/actions\/echo$/)],
        }),
        // The same entries actions:register writes: both stats scopes, each with its label.
        expect.objectContaining({
          name: 'stats',
          urls: [
            expect.stringMatching(/\/actions\/stats$/),
            expect.stringMatching(/\/actions\/stats\?scope=project$/),
          ],
          entries: expect.arrayContaining([
            expect.objectContaining({ url: expect.stringMatching(/\?scope=project$/) }),
          ]),
        }),
      ]),
    );
  });

  it('keeps query parameters but never credentials', async () => {
    const accepted = await request(stack.url)
      .post('/actions/echo?scope=project&key=secret-value')
      .send(ajaxBody())
      .expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`);
    expect(job.body.params).toEqual({ scope: 'project' });
  });

  it('retries a failing attempt and fails a permanent error at once', async () => {
    const retried = await request(stack.url)
      .post('/actions/echo?fail=once')
      .send(ajaxBody())
      .expect(202);
    const permanent = await request(stack.url)
      .post('/actions/echo?fail=permanent')
      .send(ajaxBody())
      .expect(202);
    await stack.waitForJob(permanent.body.jobId);
    const failed = await request(stack.url).get(`/jobs/${permanent.body.jobId}`);
    expect(failed.body).toMatchObject({
      state: 'failed',
      failedReason: 'echo was told to fail',
      attempts: 1,
    });
    await stack.waitForJob(retried.body.jobId);
    const ok = await request(stack.url).get(`/jobs/${retried.body.jobId}`);
    expect(ok.body).toMatchObject({ state: 'completed', result: { attempt: 2 } });
  });

  it('answers 404 for an unknown job', async () => {
    await request(stack.url).get('/jobs/custom.doesnotexist').expect(404);
    await request(stack.url).get('/jobs/garbage').expect(404);
  });

  it('reports Redis reachability on /health', async () => {
    const res = await request(stack.url).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', redis: 'up' });
  });
});
