import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../src/simulator/zou';
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
});
