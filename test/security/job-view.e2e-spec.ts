import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { startStack, type TestStack } from '../support/stack';

const KEY = 'view-test-shared-key-0123456789';

/** Shared-secret deployments: no Kitsu session reaches us, the job link itself opens the page. */
describe('job links carry a view token', () => {
  let zou: ZouSimulator;
  let stack: TestStack;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 17, size: 'small' });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: KEY,
        // Comment links carry a read-only token only when every process shares the key.
        JOB_VIEW_SECRET: 'job-view-secret-0123456789abcdef',
        // Stats only reads Kitsu: its outcome comment (which carries the link) is opt-in.
        FEEDBACK_READONLY: 'on',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
  });

  it('opens the job page, its events and downloads for the holder of the link, and for nobody else', async () => {
    const person = zou.data.people.supervisor;
    const task = [...zou.data.tasks.values()].find(
      (t) => t.project_id === zou.data.projectIds.tvShow,
    )!;
    const form = new URLSearchParams({
      personid: person.id,
      personemail: person.email,
      projectid: task.project_id,
      selection: task.id,
    });
    const posted = await request(stack.url)
      .post(`/actions/stats?key=${KEY}`)
      .type('form')
      .send(form.toString())
      .expect(303);
    const location = posted.headers.location;
    expect(location).toMatch(/^\/jobs\/stats\.[\w-]+\?view=[\w-]{32}$/);
    const [path, query] = location.split('?');
    await stack.waitForJob(path.split('/')[2]);

    const page = await request(stack.url).get(location).set('Accept', 'text/html').expect(200);
    // Links from the page carry the token on.
    expect(page.text).toContain(`result.csv?${query}`);
    await request(stack.url).get(`${path}/result.json?${query}`).expect(200);
    await request(stack.url).get(`${path}/events?${query}`).buffer(false).expect(200);

    // Without it, or with another job's or a forged one: as if the job did not exist.
    await request(stack.url).get(path).set('Accept', 'application/json').expect(404);
    await request(stack.url)
      .get(`${path}?view=${'A'.repeat(32)}`)
      .expect(404);
    await request(stack.url).get(`${path}/result.json`).expect(404);
  });

  it('puts a read-only link in the Kitsu comment: the page opens, a retry does not', async () => {
    const person = zou.data.people.supervisor;
    // Another task than the first test's, or dedupe would hand back that (form) job.
    const task = [...zou.data.tasks.values()].filter(
      (t) => t.project_id === zou.data.projectIds.tvShow,
    )[1];
    const accepted = await request(stack.url)
      .post(`/actions/stats?key=${KEY}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: task.project_id,
        selection: [task.id],
      })
      .expect(202);
    const clickerLink = accepted.headers.location;
    const [path, clickerQuery] = clickerLink.split('?');
    await stack.waitForJob(path.split('/')[2]);
    // AJAX outcomes are written back to every selected task, with the job link.
    const comment = await commentLinking(task.id, path);
    const link = new URL(/https?:\/\/\S+/.exec(comment)![0]);
    expect(link.pathname).toBe(path);
    expect(link.search).toMatch(/^\?view=[\w-]{32}$/);
    expect(link.search.slice(1)).not.toBe(clickerQuery);

    const page = await request(stack.url)
      .get(`${path}${link.search}`)
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain(`result.csv${link.search}`);
    await request(stack.url).get(`${path}/result.json${link.search}`).expect(200);
    // A retry would run the action again in the clicker's name: not from a comment's link.
    await request(stack.url).post(`${path}/retry${link.search}`).expect(403);
    // The clicker's link may (this job completed, so it is refused for that reason only).
    await request(stack.url).post(`${path}/retry?${clickerQuery}`).expect(409);
  });

  async function commentLinking(taskId: string, jobPath: string): Promise<string> {
    const deadline = Date.now() + 10000;
    for (;;) {
      const found = [...zou.data.comments.values()].find(
        (c) => c.object_id === taskId && c.text.includes(jobPath),
      );
      if (found) return found.text;
      if (Date.now() > deadline) throw new Error('no comment with the job link');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
});
