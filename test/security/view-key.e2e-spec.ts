import { createHmac } from 'node:crypto';
import request from 'supertest';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

const ACTION_KEY = 'view-key-test-action-key-0123';

/** The view-token key is its own secret: ACTION_KEY, which Kitsu users can read, forges nothing. */
describe('job view tokens are not derived from ACTION_KEY', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      extra: [EchoModule],
      env: { AUTH_MODE: 'shared-secret', ACTION_KEY },
    });
  });
  afterAll(() => stack?.close());

  /** How a token was made when the key came from ACTION_KEY (before JOB_VIEW_SECRET stood alone). */
  function forgedFromActionKey(jobId: string): string {
    const key = createHmac('sha256', ACTION_KEY).update('kitsu-actions job view').digest();
    return createHmac('sha256', key).update(jobId).digest('base64url').slice(0, 32);
  }

  it('refuses a retry with a token forged from ACTION_KEY, accepts the clicker’s', async () => {
    const accepted = await request(stack.url)
      .post(`/actions/echo?key=${ACTION_KEY}&fail=permanent`)
      .send({
        userid: '6b8f0c1e-0000-4000-8000-000000000001',
        useremail: 'lea@studio.example',
        productionid: null,
        selection: ['6b8f0c1e-0000-4000-8000-000000000002'],
      })
      .expect(202);
    const { jobId } = accepted.body as { jobId: string };
    await stack.waitForJob(jobId);
    const forged = forgedFromActionKey(jobId);
    expect(accepted.headers.location).not.toContain(forged);

    // As if the job did not exist: the forged token neither opens the page nor retries.
    await request(stack.url).post(`/jobs/${jobId}/retry?view=${forged}`).expect(404);
    await request(stack.url).get(`/jobs/${jobId}?view=${forged}`).expect(404);
    const still = await request(stack.url).get(accepted.headers.location).expect(200);
    expect(still.body.state).toBe('failed');

    await request(stack.url).post(accepted.headers.location.replace('?', '/retry?')).expect(202);
  });
});
