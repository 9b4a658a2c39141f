import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { freePort } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/test-env';
import {
  killWorker,
  startNodeProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '../reliability/helpers';

interface LogLine {
  level: number;
  msg: string;
  role?: string;
  requestId?: string;
  jobId?: string;
  [key: string]: unknown;
}

function parseLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The API and a worker as real processes, each writing JSON lines to its own stdout. */
describe('structured logs across the API and the worker', () => {
  let zou: ZouSimulator;
  let api: WorkerProcess;
  let worker: WorkerProcess;
  let url: string;
  const SHARED_KEY = 'log-test-shared-key-123456';
  const BEARER = 'Bearer eyJhbGciOi.secret-session.token';

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 3, size: 'small' });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix(),
      ZOU_URL: zou.url,
      ZOU_TOKEN: zou.tokens.bot,
      AUTH_MODE: 'shared-secret',
      ACTION_KEY: SHARED_KEY,
      JOB_VIEW_SECRET: 'logs-view-secret-0123456789',
      BOARD_USER: 'board',
      BOARD_PASSWORD: 'board-password-123',
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKERS: 'inspect',
      FEEDBACK_INSPECT: 'never',
    };
    worker = startWorkerProcess(env);
    api = startNodeProcess('main.js', env);
    await Promise.all([
      worker.waitForLine(/Consuming queues: inspect/),
      api.waitForLine(/Listening on/),
    ]);
  });

  afterAll(async () => {
    await Promise.all([killWorker(worker, 'SIGTERM'), killWorker(api, 'SIGTERM')]);
    await zou.close();
  });

  it('carries the intake request id into the worker lines, as JSON, with no secret in either', async () => {
    const task = [...zou.data.tasks.values()][0];
    const person = zou.data.people.supervisor;
    const requestId = 'trace-4f1c2d9e-logs';
    const answer = await fetch(`${url}/actions/inspect?key=${SHARED_KEY}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: BEARER,
        cookie: `access_token_cookie=${BEARER.slice(7)}`,
      },
      body: JSON.stringify({
        userid: person.id,
        useremail: person.email,
        productionid: task.project_id,
        selection: [task.id],
      }),
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('x-request-id')).toBe(requestId);
    const { jobId } = (await answer.json()) as { jobId: string };

    await worker.waitForLine(new RegExp(`"requestId":"${requestId}"`));
    await api.waitForLine(new RegExp(`"requestId":"${requestId}"`));
    const apiLines = parseLines(api.output());
    const workerLines = parseLines(worker.output());
    const intakeLine = apiLines.find((l) => l.requestId === requestId);
    const workerLine = workerLines.find((l) => l.requestId === requestId);
    expect(intakeLine).toMatchObject({ role: 'api', msg: 'request completed' });
    expect(workerLine).toMatchObject({
      role: 'worker',
      jobId,
      msg: expect.stringMatching(/started/),
    });

    for (const output of [api.output(), worker.output()]) {
      expect(output).not.toContain(SHARED_KEY);
      expect(output).not.toContain('secret-session');
      expect(output).not.toContain('board-password-123');
      expect(output).not.toContain(zou.tokens.bot);
    }
    expect(JSON.stringify(intakeLine)).toContain('[Redacted]');
  });
});
