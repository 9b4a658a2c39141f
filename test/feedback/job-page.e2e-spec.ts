import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { QueueKeys } from 'bullmq';
import request from 'supertest';
import { createWorkerContext } from '../../src/bootstrap';
import { JobEventsHub, type JobChange } from '../../src/jobs/job-events.service';
import { ProducerConnection } from '../../src/queues/producer-connection';
import { EchoModule } from '../support/echo.action';
import { readSse } from '../support/sse';
import { startStack, type TestStack } from '../support/stack';

const PERSON = { id: randomUUID(), email: 'ana@studio.test' };
const PROJECT = randomUUID();

function click(stack: TestStack, params = '', person = PERSON) {
  return request(stack.url)
    .post(`/actions/echo${params}`)
    .send({
      userid: person.id,
      useremail: person.email,
      productionid: PROJECT,
      originurl: `/productions/${PROJECT}/shots/tasks`,
      originserver: 'kitsu.test',
      selection: [randomUUID()],
      entitytype: 'shot',
    })
    .expect(202)
    .then((res) => res.body.jobId as string);
}

describe('job page, events, list and retry', () => {
  // No worker at first: jobs wait until a test starts one, so the stream sees every step.
  let stack: TestStack;
  let worker: INestApplicationContext | null = null;

  beforeAll(async () => {
    stack = await startStack({ extra: [EchoModule], workers: false });
  });
  afterAll(async () => {
    if (worker) await worker.close();
    await stack.close();
  });

  async function startWorker() {
    worker ??= await createWorkerContext({ env: stack.env, extra: [EchoModule], logger: false });
  }

  it('streams the state, progress and final state of a job over SSE, then ends', async () => {
    const jobId = await click(stack);
    const stream = await readSse(`${stack.url}/jobs/${jobId}/events`, { onOpen: startWorker });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const names = stream.events.map((e) => e.event);
    expect(stream.events[0]).toEqual({
      event: 'state',
      data: expect.objectContaining({ state: 'waiting', final: false }),
    });
    expect(stream.events).toContainEqual({
      event: 'progress',
      data: { percent: 50, message: 'halfway' },
    });
    const last = stream.events.filter((e) => e.event === 'state').pop();
    expect(last?.data).toEqual(
      expect.objectContaining({ state: 'completed', final: true, progress: { percent: 100 } }),
    );
    expect(names[names.length - 1]).toBe('end');
    expect(names.indexOf('progress')).toBeLessThan(names.lastIndexOf('state'));
  });

  it('shares one QueueEvents reader per queue between streams', async () => {
    await startWorker();
    const ids = await Promise.all([click(stack), click(stack), click(stack)]);
    await Promise.all(ids.map((id) => stack.waitForJob(id)));
    await Promise.all(ids.map((id) => readSse(`${stack.url}/jobs/${id}/events`)));
    const hub = stack.app.get(JobEventsHub);
    expect(hub.readerCount()).toBe(1);
    expect(hub.listenerCount()).toBe(0);
  });

  it('hears a job event stored right after the first page subscribed, before its reader reads', async () => {
    // A process whose hub has no reader yet, as after a start: the first page starts it.
    const fresh = await startStack({ extra: [EchoModule], workers: false });
    try {
      const hub = fresh.app.get(JobEventsHub);
      let heard!: (change: JobChange) => void;
      const progress = new Promise<JobChange>((resolve) => (heard = resolve));
      const stop = await hub.subscribe('custom', 'first-page-job', (change) => {
        if (change.type === 'progress') heard(change);
      });
      // Its reader has not issued its first blocking read yet (it names its connection first):
      // the event BullMQ would store as the job runs at once, stored now.
      const events = new QueueKeys(fresh.env.QUEUE_PREFIX).toKey('custom', 'events');
      await fresh.app
        .get(ProducerConnection)
        .client.xadd(events, '*', 'event', 'progress', 'jobId', 'first-page-job', 'data', '50');
      let timer: NodeJS.Timeout | undefined;
      const missed = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the event was never heard')), 10_000);
      });
      try {
        expect(await Promise.race([progress, missed])).toEqual({ type: 'progress', data: 50 });
      } finally {
        clearTimeout(timer);
        stop();
      }
    } finally {
      await fresh.close();
    }
  });

  it('ends the stream at once for a finished job', async () => {
    await startWorker();
    const jobId = await click(stack);
    await stack.waitForJob(jobId);
    const stream = await readSse(`${stack.url}/jobs/${jobId}/events`);
    expect(stream.events.map((e) => e.event)).toEqual(['state', 'end']);
  });

  it('refreshes itself while running when JavaScript is off, and stops when done', async () => {
    const paused = await startStack({ extra: [EchoModule], workers: false });
    try {
      const jobId = await click(paused);
      const running = await request(paused.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
      expect(running.status).toBe(200);
      expect(running.text).toMatch(
        /<noscript><meta http-equiv="refresh" content="\d+"><\/noscript>/,
      );
      expect(running.text).toContain('data-state="waiting"');
      expect(running.text).toContain('role="progressbar"');
      expect(running.text).toContain('ana@studio.test');
    } finally {
      await paused.close();
    }
    await startWorker();
    const jobId = await click(stack);
    await stack.waitForJob(jobId);
    const done = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(done.text).toContain('data-state="completed"');
  });

  it('shows a failure plainly, and retries it on request', async () => {
    await startWorker();
    const jobId = await click(stack, '?fail=permanent');
    await stack.waitForJob(jobId);
    const page = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'text/html');
    expect(page.text).toContain('echo failed');
    expect(page.text).toContain('echo was told to fail');
    expect(page.text).toContain(`action="/jobs/${jobId}/retry"`);

    const notFailed = await click(stack);
    await stack.waitForJob(notFailed);
    await request(stack.url)
      .post(`/jobs/${notFailed}/retry`)
      .set('Accept', 'application/json')
      .expect(409);

    const retried = await request(stack.url)
      .post(`/jobs/${jobId}/retry`)
      .type('form')
      .send('')
      .expect(303);
    expect(retried.headers.location).toBe(`/jobs/${jobId}`);
    await stack.waitForJob(jobId);
    const after = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    // It fails again (the echo is told to), with a fresh round of attempts.
    expect(after.body.state).toBe('failed');
    expect(after.body.attempts).toBe(1);
  });

  it('lists recent jobs newest first, filtered by person, bounded', async () => {
    await startWorker();
    const other = { id: randomUUID(), email: 'bo@studio.test' };
    const first = await click(stack, '', other);
    const second = await click(stack, '', other);
    const mine = await request(stack.url)
      .get('/jobs?person=bo@studio.test')
      .set('Accept', 'application/json')
      .expect(200);
    expect(mine.body.jobs.map((j: { id: string }) => j.id)).toEqual([second, first]);
    expect(mine.body.jobs[0]).toEqual(
      expect.objectContaining({ action: 'echo', personId: other.id, taskCount: 1 }),
    );
    const byId = await request(stack.url)
      .get(`/jobs?person=${other.id}`)
      .set('Accept', 'application/json');
    expect(byId.body.jobs).toHaveLength(2);
    const limited = await request(stack.url).get('/jobs?limit=1').set('Accept', 'application/json');
    expect(limited.body.jobs).toHaveLength(1);
    const html = await request(stack.url).get('/jobs').set('Accept', 'text/html').expect(200);
    expect(html.text).toContain(`href="/jobs/${second}"`);
    expect(html.text).toContain('<label for="person">');
  });

  it('answers 404 for an unknown job on the page, the stream and retry', async () => {
    await request(stack.url).get('/jobs/custom.nope/events').expect(404);
    await request(stack.url).post('/jobs/custom.nope/retry').expect(404);
  });
});
