import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { ForwardPayload } from '../../src/actions/forward/forward-payload';
import type { OptionValues } from '../../src/actions/action.types';
import { verifySignature } from '../../src/auth/signature';
import { JobQueues } from '../../src/queues/job-queues.service';
import { createHttpApp } from '../../src/bootstrap';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { pollUntil } from '../reliability/helpers';
import { startStack, type TestStack } from '../support/stack';
import { testRedisUrl, uniquePrefix } from '../support/test-env';

const SECRET = 'forward-test-secret-0123456789';

/** Option fields a forwarder declares in its JSON (src/actions/forward/README.md). */
const EDITORIAL_OPTIONS = [
  { name: 'note', kind: 'text', label: 'Note to editorial', maxLength: 200 },
  { name: 'urgent', kind: 'boolean', label: 'Urgent', default: false },
  { name: 'copies', kind: 'number', label: 'Copies', min: 1, max: 5, default: 1 },
];

interface Delivery {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  signatureOk: boolean;
  payload: ForwardPayload;
}

type Answer = (delivery: Delivery, res: ServerResponse) => void;

/** A studio's script, as a test double that checks the signature like a real receiver would. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly answers = new Map<string, Answer[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verdict = verifySignature({
          secret: SECRET,
          timestampHeader: req.headers['x-kitsu-actions-timestamp'] as string | undefined,
          signatureHeader: req.headers['x-kitsu-actions-signature'] as string | undefined,
          body,
        });
        const delivery: Delivery = {
          path: new URL(req.url ?? '/', 'http://receiver').pathname,
          headers: req.headers,
          body,
          signatureOk: verdict.ok,
          payload: JSON.parse(body) as ForwardPayload,
        };
        this.deliveries.push(delivery);
        const queue = this.answers.get(delivery.path) ?? [];
        const answer = queue.length > 1 ? queue.shift()! : queue[0];
        if (answer) answer(delivery, res);
        else json(res, 200, { message: 'ok' });
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers for a path, in order; the last one repeats. */
  answer(path: string, ...answers: Answer[]): void {
    this.answers.set(path, answers);
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('forward action: signed deliveries to a studio service', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let receiver: Receiver;
  let shots: ZouTask[];

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    zou = await startZouSimulator({ seed: 21, size: 'small' });
    const forwarder = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      url: `${receiver.url}/${name}?token=target-own-key`,
      secretEnv: 'FORWARD_TEST_SECRET',
      ...extra,
    });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        FORWARD_TEST_SECRET: SECRET,
        FORWARD_UNSTABLE_AFTER: '2',
        FORWARDERS: JSON.stringify([
          forwarder('publish', { label: 'Publish script', comment: true }),
          forwarder('flaky'),
          forwarder('strict'),
          forwarder('slow', { timeoutMs: 300, attempts: 2 }),
          forwarder('down', { attempts: 1 }),
          forwarder('minimal', { include: ['task_type'] }),
          forwarder('editorial', { label: 'Editorial', options: EDITORIAL_OPTIONS }),
        ]),
      },
    });
    shots = [...zou.data.tasks.values()]
      .filter((task) => zou.data.entities.get(task.entity_id)?.type === 'Shot')
      .slice(0, 3);
    // Names as studios write them: spaces, quotes, unicode.
    zou.data.entities.get(shots[0].entity_id)!.name = 'SH 010 "hero" — été 東京';
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
    await receiver.close();
  });

  /** What Kitsu's AJAX mode sends for these tasks, as the supervisor. */
  function click(tasks: ZouTask[]) {
    const person = zou.data.people.supervisor;
    return {
      userid: person.id,
      useremail: person.email,
      productionid: tasks[0].project_id,
      originurl: `/productions/${tasks[0].project_id}/shots/tasks`,
      originserver: 'kitsu.studio.test',
      selection: tasks.map((t) => t.id),
      entitytype: 'shot',
    };
  }

  async function forward(name: string, tasks: ZouTask[] = shots, extra: object = {}) {
    const accepted = await request(stack.url)
      .post(`/actions/forward/${name}`)
      .send({ ...click(tasks), ...extra })
      .expect(202);
    const jobId = accepted.body.jobId as string;
    await stack.waitForJob(jobId);
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    return {
      jobId,
      job: job.body as {
        state: string;
        attempts: number;
        result: Record<string, unknown>;
        failedReason: string;
        logs: string[];
      },
    };
  }

  it('lists every forwarder as its own action and refuses an unknown one', async () => {
    const list = await request(stack.url).get('/actions').expect(200);
    const text = JSON.stringify(list.body);
    for (const name of ['publish', 'flaky', 'strict']) expect(text).toContain(`forward/${name}`);
    await request(stack.url).post('/actions/forward/nope').send({}).expect(404);
  });

  it('POSTs the enriched selection, signed, with names as well as ids', async () => {
    receiver.answer('/publish', (_d, res) =>
      json(res, 200, { message: 'Published 3 shots', url: 'https://pipeline.studio.test/p/42' }),
    );
    const { jobId, job } = await forward('publish');
    expect(job.state).toBe('completed');
    const [delivery] = receiver.to('/publish');
    expect(delivery.signatureOk).toBe(true);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['x-kitsu-actions-delivery']).toBe(jobId);

    const payload = delivery.payload;
    const person = zou.data.people.supervisor;
    const project = zou.data.projects.get(shots[0].project_id)!;
    expect(payload).toMatchObject({
      version: 1,
      delivery_id: jobId,
      action: 'forward',
      forwarder: 'publish',
      job_id: jobId,
      person: { id: person.id, email: person.email },
      project: { id: project.id, name: project.name },
      entity_type: 'shot',
      origin: { server: 'kitsu.studio.test', format: 'ajax' },
      missing: [],
    });
    expect(payload.tasks.map((t) => t.id)).toEqual(shots.map((s) => s.id));
    const first = payload.tasks[0];
    const taskType = zou.data.taskTypes.get(shots[0].task_type_id)!;
    const status = zou.data.taskStatuses.get(shots[0].task_status_id)!;
    expect(first).toMatchObject({
      name: shots[0].name,
      entity_type: 'shot',
      task_type: { id: taskType.id, name: taskType.name },
      task_status: { id: status.id, name: status.name, short_name: status.short_name },
      entity: { id: shots[0].entity_id, name: 'SH 010 "hero" — été 東京', type: 'shot' },
      project: { id: project.id, name: project.name },
    });
    expect(first.entity?.sequence?.name).toEqual(expect.any(String));
    expect(Array.isArray(first.assignees)).toBe(true);
    // Emails Zou leaves out of the bot's person list come from the project team.
    for (const assignee of payload.tasks.flatMap((t) => t.assignees ?? [])) {
      expect(assignee).toEqual({
        id: assignee.id,
        name: expect.any(String),
        email: zou.data.persons.get(assignee.id)!.email,
      });
    }
    // The body arrives byte for byte as signed: unicode and quotes included.
    expect(delivery.body).toContain('SH 010 \\"hero\\" — été 東京');

    expect(job.result).toMatchObject({
      forwarder: 'publish',
      status: 200,
      message: 'Published 3 shots',
      url: 'https://pipeline.studio.test/p/42',
      forwardedTasks: 3,
    });
    // The target's message goes to a Kitsu comment (comment: true).
    const comment = await pollUntil('the outcome comment', () =>
      [...zou.data.comments.values()].find(
        (c) => c.object_id === shots[1].id && c.text.includes('Published 3 shots'),
      ),
    );
    expect(comment.text).toContain(`/jobs/${jobId}`);
  });

  it('shows the target message, its link and the delivery log on the job page', async () => {
    receiver.answer('/publish', (_d, res) =>
      json(res, 200, { message: 'Queued <b>now</b>', url: 'https://pipeline.studio.test/q' }),
    );
    const { jobId } = await forward('publish', shots.slice(1, 2));
    const page = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(page.text).toContain('Queued &lt;b&gt;now&lt;/b&gt;');
    expect(page.text).toContain('href="https://pipeline.studio.test/q"');
    expect(page.text).toContain('Deliveries');
    expect(page.text).toContain('HTTP 200');
  });

  it('retries a 503 and keeps every attempt in the delivery log', async () => {
    const busy: Answer = (_d, res) => json(res, 503, { message: 'busy, try later' });
    receiver.answer('/flaky', busy, busy, (_d, res) => json(res, 200, { message: 'done' }));
    const { job } = await forward('flaky', shots.slice(0, 1));
    expect(job.state).toBe('completed');
    expect(job.attempts).toBe(3);
    const deliveries = job.result.deliveries as Array<{ attempt: number; status: number }>;
    expect(deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(deliveries[0]).toMatchObject({
      target: `${receiver.url}/flaky`,
      answerHead: expect.stringContaining('busy, try later'),
      requestBytes: expect.any(Number),
      durationMs: expect.any(Number),
    });
    // The target URL's own query string never reaches the log.
    expect(JSON.stringify(deliveries)).not.toContain('target-own-key');
    const sent = receiver.to('/flaky');
    expect(sent).toHaveLength(3);
    // Same delivery id on every attempt, so the receiver can drop repeats.
    expect(new Set(sent.map((d) => d.headers['x-kitsu-actions-delivery'])).size).toBe(1);
    expect(sent.every((d) => d.signatureOk)).toBe(true);
  });

  it('does not retry a 400 and says what the target answered', async () => {
    receiver.answer('/strict', (_d, res) => json(res, 400, { message: 'shot has no camera' }));
    const { job } = await forward('strict', shots.slice(0, 1));
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.failedReason).toContain('HTTP 400');
    expect(job.failedReason).toContain('shot has no camera');
    expect(receiver.to('/strict')).toHaveLength(1);
    expect(job.logs.join('\n')).toMatch(/Delivery 1 \(attempt 1 of 5\) to .*\/strict: HTTP 400/);
  });

  it('records a slow receiver as a timeout and retries it', async () => {
    let release: (() => void) | null = null;
    receiver.answer(
      '/slow',
      (_d, res) => {
        // Never answers in time; answered only when the test ends so the socket closes.
        release = () => json(res, 200, { message: 'too late' });
      },
      (_d, res) => json(res, 200, { message: 'in time' }),
    );
    const { job } = await forward('slow', shots.slice(0, 1));
    (release as (() => void) | null)?.();
    expect(job.state).toBe('completed');
    const deliveries = job.result.deliveries as Array<{ error: string | null; status: number }>;
    expect(deliveries[0]).toMatchObject({ status: null, error: 'no answer within 300 ms' });
    expect(deliveries[1]).toMatchObject({ status: 200, error: null });
  });

  it("sends a script's options, over the declared defaults, in the payload's options", async () => {
    const { jobId, job } = await forward('editorial', shots.slice(0, 1), {
      options: { note: 'Client wants the <b>blue</b> sky', urgent: true },
    });
    expect(job.state).toBe('completed');
    const [delivery] = receiver.to('/editorial');
    expect(delivery.payload.options).toEqual({
      note: 'Client wants the <b>blue</b> sky',
      urgent: true,
      copies: 1,
    });
    // Stored on the job and shown, escaped, with the declared labels.
    const view = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(view.body.options).toEqual([
      { name: 'note', label: 'Note to editorial', value: 'Client wants the <b>blue</b> sky' },
      { name: 'urgent', label: 'Urgent', value: true },
      { name: 'copies', label: 'Copies', value: 1 },
    ]);
    const page = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(page.text).toContain(
      '<div data-option="note"><dt>Note to editorial</dt><dd>Client wants the &lt;b&gt;blue&lt;/b&gt; sky</dd></div>',
    );
    // A forwarder without fields sends an empty object: receivers read one shape.
    await forward('minimal', shots.slice(2, 3));
    expect(receiver.to('/minimal').at(-1)!.payload.options).toEqual({});
  });

  it('refuses bad options with a 400 naming each, and options for a forwarder without fields', async () => {
    const bad = await request(stack.url)
      .post('/actions/forward/editorial')
      .send({ ...click(shots), options: { copies: 9, urgent: 'sure', colour: 'red' } })
      .expect(400);
    expect(
      Object.fromEntries(bad.body.errors.map((e: Record<string, string>) => [e.field, e.reason])),
    ).toEqual({
      'options.colour': 'is not an option of this action (options: note, urgent, copies)',
      'options.copies': 'must be between 1 and 5',
      'options.urgent': 'must be true or false',
    });
    const none = await request(stack.url)
      .post('/actions/forward/publish')
      .send({ ...click(shots), options: { note: 'x' } })
      .expect(400);
    expect(none.body.errors).toEqual([
      { field: 'options', reason: 'action "forward/publish" takes no options' },
    ]);
  });

  it('registers a forwarder with fields in form mode, the others as they were', async () => {
    const list = await request(stack.url).get('/actions').expect(200);
    const forwardAction = (list.body.actions as Array<Record<string, unknown>>).find(
      (a) => a.name === 'forward',
    )!;
    const entries = forwardAction.entries as Array<{ url: string; ajax: boolean }>;
    const ajaxOf = (name: string) => entries.find((e) => e.url.endsWith(`/forward/${name}`))!.ajax;
    expect([ajaxOf('editorial'), ajaxOf('publish')]).toEqual([false, true]);
    expect(forwardAction.ajax).toBe(false);
  });

  it('asks a browser for the fields on the options page, then delivers what was chosen; a retry sends it again', async () => {
    const tasks = shots.slice(1, 3);
    const person = zou.data.people.supervisor;
    // Kitsu's form mode: a new tab posting these names.
    const clicked = await request(stack.url)
      .post('/actions/forward/editorial')
      .type('form')
      .set('Accept', 'text/html')
      .send({
        personid: person.id,
        personemail: person.email,
        projectid: tasks[0].project_id,
        currentpath: `/productions/${tasks[0].project_id}/shots/tasks`,
        currentserver: 'kitsu.studio.test',
        selection: tasks.map((t) => t.id).join(','),
        entitytype: 'shot',
      })
      .redirects(0)
      .expect(303);
    const location = String(clicked.headers.location);
    expect(location).toMatch(/^\/options\/[\w-]{24}$/);
    const cookie = ([] as string[])
      .concat(clicked.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('ka_options='))!;
    const page = await request(stack.url)
      .get(location)
      .set({ cookie, accept: 'text/html' })
      .expect(200);
    // Titled as the menu entry the person clicked: the forwarder's own label.
    expect(page.text).toContain('<h1>Editorial</h1>');
    expect(page.text).toContain('<label for="option-note">Note to editorial</label>');
    expect(page.text).toMatch(/<input type="checkbox" id="option-urgent" name="urgent">/);
    const submit = (fields: Record<string, string>) =>
      request(stack.url)
        .post(location)
        .set({ cookie, accept: 'text/html', origin: new URL(stack.url).origin })
        .type('form')
        .send(fields)
        .redirects(0);
    // A refused value comes back on the form, next to its field; nothing is queued.
    const refused = await submit({ note: 'ok', copies: '6' }).expect(422);
    expect(refused.text).toContain('data-field="copies">Copies must be between 1 and 5</p>');
    receiver.answer(
      '/editorial',
      (_d, res) => json(res, 422, { message: 'editorial is closed' }),
      (_d, res) => json(res, 200, { message: 'noted' }),
    );
    const before = receiver.to('/editorial').length;
    const ran = await submit({ note: 'From the form', urgent: 'on', copies: '3' }).expect(303);
    const jobPath = String(ran.headers.location);
    const jobId = new URL(jobPath, stack.url).pathname.split('/')[2];
    await stack.waitForJob(jobId);
    const failed = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(failed.body.state).toBe('failed');
    await request(stack.url).post(`/jobs/${jobId}/retry`).expect(202);
    await stack.waitForJob(jobId);
    const sent = receiver.to('/editorial').slice(before);
    expect(sent.map((d) => d.payload.options)).toEqual([
      { note: 'From the form', urgent: true, copies: 3 },
      { note: 'From the form', urgent: true, copies: 3 },
    ]);
    expect(sent[1].payload.origin.format).toBe('form');
    expect(sent[1].payload.tasks.map((t) => t.id)).toEqual(tasks.map((t) => t.id));
  });

  it('lets no tampered option reach a target: the worker checks stored options per forwarder', async () => {
    const person = zou.data.people.supervisor;
    const stored = (variant: string, options: Record<string, unknown>) =>
      stack.app.get(JobQueues).enqueue('forward', {
        action: 'forward',
        variant,
        request: {
          personId: person.id,
          personEmail: person.email,
          projectId: shots[0].project_id,
          originPath: '',
          originServer: '',
          taskIds: [shots[0].id],
          entityType: 'shot',
          format: 'ajax',
        },
        params: {},
        requestId: `tampered-${variant}`,
        requestedAt: new Date().toISOString(),
        options: options as OptionValues,
      });
    const before = receiver.deliveries.length;
    const reasons: string[] = [];
    for (const [variant, options] of [
      ['editorial', { note: 'x', urgent: false, copies: '2 && reboot' }],
      ['publish', { note: 'x' }],
    ] as const) {
      const { jobId } = await stored(variant, options);
      await stack.waitForJob(jobId);
      const view = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
      reasons.push(`${view.body.state}: ${view.body.failedReason}`);
    }
    expect(reasons).toEqual([
      expect.stringMatching(/^failed: options refused: copies must be a whole number/),
      'failed: options refused: this action takes no options',
    ]);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('sends only the context a forwarder asks for', async () => {
    await forward('minimal', shots.slice(0, 1));
    const [delivery] = receiver.to('/minimal');
    const task = delivery.payload.tasks[0];
    expect(Object.keys(task).sort()).toEqual(['entity_type', 'id', 'name', 'task_type']);
  });

  it('marks a forwarder that keeps failing as unstable, and clears it on success', async () => {
    receiver.answer('/down', (_d, res) => json(res, 500, { message: 'crashed' }));
    await forward('down', shots.slice(0, 1));
    await forward('down', shots.slice(1, 2));
    const ready = await request(stack.url).get('/health/ready').expect(200);
    expect(ready.body.details.forwarders).toMatchObject({
      status: 'up',
      unstable: ['down'],
    });
    const list = await request(stack.url).get('/jobs').set('Accept', 'application/json');
    expect(list.body.unstableForwarders).toEqual([
      expect.objectContaining({ name: 'down', unstable: true, failuresInARow: 2 }),
    ]);
    const page = await request(stack.url).get('/jobs').set('Accept', 'text/html');
    expect(page.text).toContain('Unstable forwarder(s)');

    receiver.answer('/down', (_d, res) => json(res, 200, { message: 'back' }));
    // Another selection: the same one again would be folded into the failed job (dedupe window).
    await forward('down', shots.slice(2, 3));
    const again = await request(stack.url).get('/health/ready').expect(200);
    expect(again.body.details.forwarders.unstable).toEqual([]);
  });
});

describe('a refused forward on its job page', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let receiver: Receiver;
  let shot: ZouTask;

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    zou = await startZouSimulator({ seed: 22, size: 'small' });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        FORWARD_TEST_SECRET: SECRET,
        FORWARDERS: JSON.stringify([
          {
            name: 'picky',
            label: 'Picky script',
            url: `${receiver.url}/picky`,
            secretEnv: 'FORWARD_TEST_SECRET',
            attempts: 2,
            comment: true,
          },
        ]),
      },
    });
    shot = [...zou.data.tasks.values()].find(
      (task) => zou.data.entities.get(task.entity_id)?.type === 'Shot',
    )!;
  });
  afterAll(async () => {
    await stack.close();
    await zou.close();
    await receiver.close();
  });

  interface View {
    state: string;
    attempts: number;
    maxAttempts: number;
    failedReason: string | null;
    failure: { plain: string; details: { status: number; deliveries: DeliveryRow[] } } | null;
    progress: { percent: number; message?: string };
    result: { deliveries: DeliveryRow[] } | null;
    logs: string[];
  }
  interface DeliveryRow {
    attempt: number;
    runAttempt: number;
    attemptLimit: number;
    status: number;
    message: string | null;
  }

  const view = async (jobId: string) =>
    (await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json')).body as View;
  const html = async (jobId: string) =>
    (await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html')).text;

  it('names the refusing forwarder with its status and answer, then numbers every retry on', async () => {
    receiver.answer('/picky', (_d, res) =>
      json(res, 422, { message: 'shot has no <b>camera</b>', detail: 'x'.repeat(4000) }),
    );
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post('/actions/forward/picky')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: shot.project_id,
        selection: [shot.id],
        entitytype: 'shot',
      })
      .expect(202);
    const jobId = accepted.body.jobId as string;
    await stack.waitForJob(jobId);

    // A 422 is not retried; the limit shown is the forwarder's own, not the queue's 5.
    let job = await view(jobId);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, maxAttempts: 2 });
    expect(job.failure?.plain).toContain('"Picky script" (forwarder picky');
    expect(job.failure?.plain).toContain('HTTP 422');
    expect(job.failure?.plain).toContain('shot has no <b>camera</b>');
    expect(job.failure?.plain).not.toMatch(/could not be reached/);
    expect(job.progress.percent).toBe(100);
    expect(job.progress.message).toMatch(/^Not delivered: Picky script answered HTTP 422/);

    let page = await html(jobId);
    expect(page).toContain('<strong id="target-status">HTTP 422</strong>');
    expect(page).toContain('shot has no &lt;b&gt;camera&lt;/b&gt;');
    expect(page).not.toContain('<b>camera</b>');
    expect(page).not.toContain('Kitsu (or a service it needs) could not be reached');
    expect(page).toContain('data-ended="failed"');
    expect(page).toContain('What happened');
    expect(page).toMatch(/Read 1 task\(s\) from Kitsu/);
    expect(page).toContain('<dd>1 of 2</dd>');

    // The Kitsu comment names the forwarder and its answer, not Kitsu.
    const comment = await pollUntil('the failure comment', () =>
      [...zou.data.comments.values()].find(
        (c) => c.object_id === shot.id && c.text.includes('Picky script'),
      ),
    );
    expect(comment.text).toContain('HTTP 422');
    expect(comment.text).not.toMatch(/could not be reached/);

    // Retried from the page while the target is down (500, not JSON): two more attempts.
    receiver.answer('/picky', (_d, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Internal <script>boom</script> error</body></html>');
    });
    await request(stack.url).post(`/jobs/${jobId}/retry`).expect(202);
    await stack.waitForJob(jobId);
    job = await view(jobId);
    expect(job).toMatchObject({ state: 'failed', attempts: 2, maxAttempts: 2 });
    expect(job.failure?.details.deliveries.map((d) => [d.attempt, d.runAttempt, d.status])).toEqual(
      [
        [1, 1, 422],
        [2, 1, 500],
        [3, 2, 500],
      ],
    );
    expect(job.failure?.plain).toMatch(/failed with HTTP 500 on attempt 2 of 2/);
    page = await html(jobId);
    expect([...page.matchAll(/<tr data-attempt="(\d+)"/g)].map((m) => m[1])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(page).toContain('&lt;script&gt;boom&lt;/script&gt;');
    expect(page).not.toContain('<script>boom');
    const logged = job.logs.filter((line) => line.startsWith('Delivery '));
    expect(logged.map((line) => line.split(' (')[0])).toEqual([
      'Delivery 1',
      'Delivery 2',
      'Delivery 3',
    ]);

    // Retried once more, now accepted: the bar ends full with the target's word.
    receiver.answer('/picky', (_d, res) => json(res, 200, { message: 'Picked up' }));
    await request(stack.url).post(`/jobs/${jobId}/retry`).expect(202);
    await stack.waitForJob(jobId);
    job = await view(jobId);
    expect(job.state).toBe('completed');
    expect(job.progress).toEqual({
      percent: 100,
      message: 'Sent 1 task(s) to Picky script (HTTP 200): Picked up',
    });
    expect(job.result?.deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 422],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    page = await html(jobId);
    expect(page).toContain('data-ended="completed"');
    // One delivery id per run: automatic retries repeat it, a retry from the page is a new one.
    expect(receiver.to('/picky').map((d) => d.headers['x-kitsu-actions-delivery'])).toEqual([
      jobId,
      `${jobId}-r2`,
      `${jobId}-r2`,
      `${jobId}-r3`,
    ]);
  });
});

describe('forward configuration at start-up', () => {
  it('refuses to start with a forwarder that has no secret, naming it, and leaves nothing open', async () => {
    const start = createHttpApp('api', {
      env: {
        NODE_ENV: 'test',
        AUTH_MODE: 'none',
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: uniquePrefix(),
        FORWARDERS: JSON.stringify([{ name: 'publish', url: 'https://hooks.test/in' }]),
      },
      logger: false,
    });
    // Leaving nothing open is the other half: the bootstrap closes the Redis connections this
    // start-up opened, those of providers Nest builds after the failure too
    // (src/queues/redis-connection.spec.ts); Jest's process exits after this suite.
    await expect(start).rejects.toThrow(
      /FORWARDERS\[0\]: forwarder "publish" needs a signing secret/,
    );
  });
});
