import { randomUUID } from 'node:crypto';
import { WorkerMetrics } from '../../src/metrics/worker-metrics.service';
import request from 'supertest';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

function click(): Record<string, unknown> {
  const project = randomUUID();
  return {
    userid: randomUUID(),
    useremail: 'artist@studio.example',
    productionid: project,
    originurl: `/productions/${project}/shots/tasks`,
    originserver: 'kitsu.studio.example:443',
    selection: [randomUUID()],
    entitytype: 'shot',
  };
}

/** The value of one series of the Prometheus text format, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ extra: [EchoModule], env: { DEDUPE_WINDOW: '0' } });
  });
  afterAll(() => stack.close());

  it('counts intake requests by action and status, and jobs by queue and state', async () => {
    const ids: string[] = [];
    for (const path of ['/actions/echo', '/actions/echo', '/actions/echo?fail=permanent']) {
      const accepted = await request(stack.url).post(path).send(click()).expect(202);
      ids.push((accepted.body as { jobId: string }).jobId);
    }
    await request(stack.url)
      .post('/actions/echo')
      .send({ ...click(), useremail: 'nope' })
      .expect((res) => expect(res.status).toBeGreaterThanOrEqual(400));
    await request(stack.url).post('/actions/no-such-action').send(click()).expect(404);
    for (const id of ids) await stack.waitForJob(id);

    const scrape = await request(stack.url).get('/metrics').expect(200);
    expect(scrape.headers['content-type']).toContain('text/plain');
    const text = scrape.text;
    expect(sample(text, 'kitsu_actions_intake_requests_total{action="echo",status="202"}')).toBe(3);
    expect(sample(text, 'kitsu_actions_intake_requests_total{action="unknown",status="404"}')).toBe(
      1,
    );
    const rejected = text
      .split('\n')
      .filter((row) =>
        /^kitsu_actions_intake_requests_total\{action="echo",status="4\d\d"\}/.test(row),
      );
    expect(rejected).toHaveLength(1);
    expect(sample(text, 'kitsu_actions_intake_duration_seconds_count{action="echo"}')).toBe(4);
    expect(sample(text, 'kitsu_actions_jobs{queue="custom",state="completed"}')).toBe(2);
    expect(sample(text, 'kitsu_actions_jobs{queue="custom",state="failed"}')).toBe(1);
    expect(text).toContain('kitsu_actions_jobs{queue="render",state="waiting"} 0');
  });
});

describe('worker /metrics', () => {
  it('serves job durations, attempts and Zou calls from the worker process', async () => {
    const stack = await startStack({
      extra: [EchoModule],
      env: { DEDUPE_WINDOW: '0', WORKER_METRICS_PORT: '0' },
    });
    try {
      const ids: string[] = [];
      for (const path of ['/actions/echo', '/actions/echo', '/actions/echo?fail=permanent']) {
        const accepted = await request(stack.url).post(path).send(click()).expect(202);
        ids.push((accepted.body as { jobId: string }).jobId);
      }
      for (const id of ids) await stack.waitForJob(id);
      const metrics = stack.worker!.get(WorkerMetrics);
      const text = (await request(`http://127.0.0.1:${metrics.port}`).get('/metrics').expect(200))
        .text;
      expect(
        sample(
          text,
          'kitsu_actions_job_duration_seconds_count{queue="custom",action="echo",outcome="completed"}',
        ),
      ).toBe(2);
      expect(
        sample(
          text,
          'kitsu_actions_job_attempts_count{queue="custom",action="echo",outcome="failed"}',
        ),
      ).toBe(1);
      await request(`http://127.0.0.1:${metrics.port}`).get('/other').expect(404);
    } finally {
      await stack.close();
    }
  });
});
