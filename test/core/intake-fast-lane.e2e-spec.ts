import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { IntakeFastLane } from '../../src/intake/intake-fast-lane';
import { parseJobId } from '../../src/queues/job-id';
import { JobQueues } from '../../src/queues/job-queues.service';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

/**
 * The intake fast lane answers Kitsu's AJAX clicks without Express and Nest's pipeline. It must
 * be indistinguishable from the Nest route: the same request sent to a service with the lane
 * and to one without it gets the same status, headers and body (job ids and ports aside).
 */
describe('intake fast lane', () => {
  const KEY = 'lane-secret-0123456789';
  const ORIGIN = 'https://kitsu.studio.example';
  let lane: TestStack;
  let route: TestStack;
  let handled: jest.SpyInstance;

  beforeAll(async () => {
    handled = jest.spyOn(IntakeFastLane.prototype, 'handle');
    const env = {
      AUTH_MODE: 'shared-secret',
      ACTION_KEY: KEY,
      CORS_ORIGINS: ORIGIN,
      BODY_LIMIT: '2kb',
      RATE_LIMIT_PER_PERSON: '2',
      PUBLIC_URL: 'https://actions.studio.example',
    };
    lane = await startStack({ workers: false, extra: [EchoModule], env });
    route = await startStack({
      workers: false,
      extra: [EchoModule],
      env: { ...env, INTAKE_FAST_LANE: 'false' },
    });
  });
  afterAll(async () => {
    handled.mockRestore();
    await lane?.close();
    await route?.close();
  });

  interface Call {
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }

  interface Answer {
    status: number;
    headers: Record<string, string>;
    body: string;
  }

  function click(person = randomUUID()): Record<string, unknown> {
    return {
      userid: person,
      useremail: 'artist@studio.example',
      productionid: randomUUID(),
      originurl: '/productions/x/shots/tasks',
      originserver: 'kitsu.studio.example',
      selection: [randomUUID(), randomUUID()].join(','),
      entitytype: 'Shot',
    };
  }

  async function send(stack: TestStack, call: Call): Promise<Answer> {
    const res = await fetch(`${stack.url}${call.path ?? `/actions/echo?key=${KEY}`}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: call.body ?? JSON.stringify(click()),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    return { status: res.status, headers, body: await res.text() };
  }

  /** Job ids, view tokens and generated request ids differ per service; the rest must not. */
  function comparable(answer: Answer): Answer {
    const headers = { ...answer.headers };
    for (const name of ['date', 'content-length', 'connection', 'keep-alive']) delete headers[name];
    if (!answer.headers['x-request-id']) throw new Error('no x-request-id');
    headers['x-request-id'] = 'set';
    // Seconds to the window's end: the two calls may fall either side of a second boundary.
    if (headers['retry-after']) headers['retry-after'] = 'N';
    const body = answer.body
      .replace(/"retryAfter":\d+/g, '"retryAfter":N')
      .replace(/\/jobs\/[^"?\s]+\?view=[A-Za-z0-9_-]+/g, '/jobs/JOB?view=TOKEN')
      .replace(/"jobId":"[^"]+"/g, '"jobId":"JOB"');
    if (headers.location) {
      headers.location = headers.location.replace(
        /\/jobs\/[^?]+\?view=.+$/,
        '/jobs/JOB?view=TOKEN',
      );
    }
    return { status: answer.status, headers, body };
  }

  async function both(call: Call): Promise<{ lane: Answer; route: Answer; laneTook: boolean }> {
    const before = handled.mock.results.length;
    const viaLane = await send(lane, call);
    const took = handled.mock.results.slice(before).some((r) => r.value === true);
    const viaRoute = await send(route, call);
    expect(comparable(viaLane)).toEqual(comparable(viaRoute));
    return { lane: viaLane, route: viaRoute, laneTook: took };
  }

  it('accepts a valid click exactly as the Nest route does, and takes it itself', async () => {
    const body = JSON.stringify(click());
    const result = await both({ body, path: `/actions/echo?key=${KEY}&shot=sh010` });
    expect(result.laneTook).toBe(true);
    expect(result.lane.status).toBe(202);
    const accepted = JSON.parse(result.lane.body) as { jobId: string; statusUrl: string };
    expect(result.lane.headers.location).toMatch(/^\/jobs\/.+\?view=/);
    expect(accepted.statusUrl).toBe(
      `https://actions.studio.example${result.lane.headers.location}`,
    );
    // Helmet's headers are on the lane's answers too.
    expect(result.lane.headers['content-security-policy']).toContain("default-src 'self'");
    expect(result.lane.headers['x-content-type-options']).toBe('nosniff');
  });

  it('stores the same job: parameters without the key, the request id, the selection', async () => {
    const body = click();
    const res = await send(lane, {
      body: JSON.stringify(body),
      path: `/actions/echo?key=${KEY}&shot=sh010`,
      headers: { 'x-request-id': 'click-0123456789' },
    });
    expect(res.status).toBe(202);
    expect(res.headers['x-request-id']).toBe('click-0123456789');
    const { jobId } = JSON.parse(res.body) as { jobId: string };
    const parsed = parseJobId(jobId)!;
    const job = await lane.app.get(JobQueues).get(parsed.queue).getJob(parsed.bullId);
    expect(job?.data).toMatchObject({
      action: 'echo',
      params: { shot: 'sh010' },
      requestId: 'click-0123456789',
      request: {
        personId: body.userid,
        taskIds: String(body.selection).split(','),
        format: 'ajax',
        entityType: 'shot',
      },
    });
  });

  it('gives back the same job for the same click (dedupe)', async () => {
    const body = JSON.stringify(click());
    const first = await send(lane, { body });
    const second = await send(lane, { body });
    expect(JSON.parse(second.body)).toMatchObject({
      jobId: (JSON.parse(first.body) as { jobId: string }).jobId,
      duplicate: true,
      status: 'duplicate',
    });
  });

  it.each<[string, Call, number]>([
    ['charset=utf-8', { headers: { 'content-type': 'application/json; charset=utf-8' } }, 202],
    ['no key', { path: '/actions/echo' }, 401],
    ['a wrong key', { path: '/actions/echo?key=wrong-key-0123456789' }, 401],
    ['an unknown action', { path: `/actions/nope?key=${KEY}` }, 404],
    ['a sub-action of an action without any', { path: `/actions/echo/x?key=${KEY}` }, 404],
    ['bad fields', { body: JSON.stringify({ userid: 'me', useremail: 'x', selection: '' }) }, 400],
    ['broken JSON', { body: '{"userid": ' }, 400],
    ['a JSON string', { body: '"hello"' }, 400],
    ['a JSON list', { body: '[]' }, 400],
    ['an empty body', { body: '' }, 400],
    ['a body over BODY_LIMIT', { body: JSON.stringify({ pad: 'x'.repeat(4000) }) }, 413],
    [
      'an HTML error for a browser',
      { headers: { accept: 'text/html' }, body: JSON.stringify({ userid: 'me' }) },
      400,
    ],
    ['an allowed origin', { headers: { origin: ORIGIN } }, 202],
    ['another origin', { headers: { origin: 'https://evil.example' } }, 403],
    ['a cross-site browser request', { headers: { 'sec-fetch-site': 'cross-site' } }, 403],
    ['a credential in the URL is not echoed', { path: `/actions/nope?key=${KEY}&token=t0p` }, 404],
  ])('answers %s the same way', async (_name, call, status) => {
    const result = await both(call);
    expect(result.lane.status).toBe(status);
    // A declared body over BODY_LIMIT is refused in front of both paths (src/edge/connection-guard.ts).
    expect(result.laneTook).toBe(status !== 413);
    expect(result.lane.body).not.toContain(KEY);
    expect(result.lane.body).not.toContain('t0p');
  });

  it('leaves forms, other encodings and odd paths to the Nest route', async () => {
    const form = new URLSearchParams(click() as Record<string, string>).toString();
    const cases: Array<[Call, number]> = [
      [{ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, 303],
      [{ headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(click())) }, 202],
      [{ path: `/actions/echo/?key=${KEY}` }, 202],
      [{ headers: { 'content-type': 'text/plain' } }, 415],
    ];
    for (const [call, status] of cases) {
      const result = await both(call);
      expect(result.lane.status).toBe(status);
      expect(result.laneTook).toBe(false);
    }
  });

  it('applies the per-person rate limit the same way (429 with Retry-After)', async () => {
    const person = randomUUID();
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i += 1) {
      answers.push((await both({ body: JSON.stringify(click(person)) })).lane);
    }
    expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
    expect(answers[2].headers['retry-after']).toMatch(/^\d+$/);
  });
});
