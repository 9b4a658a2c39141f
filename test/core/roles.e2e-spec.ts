import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import request from 'supertest';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { ActionIntake } from '../../src/intake/action-intake.service';
import { JobFeedback } from '../../src/feedback/job-feedback.service';
import { JobViewTokens } from '../../src/jobs/job-view-token';
import { createWorkerContext } from '../../src/bootstrap';
import { QueueWorkers } from '../../src/worker/queue-workers.service';
import { EchoModule } from '../support/echo.action';
import { startStack } from '../support/stack';
import { testRedisUrl, uniquePrefix } from '../support/test-env';

const body = {
  userid: randomUUID(),
  useremail: 'artist@studio.example',
  productionid: randomUUID(),
  selection: [randomUUID()],
};

describe('worker role', () => {
  it('runs only the queues named in WORKERS, with no HTTP server', async () => {
    const env = {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix('roles'),
      WORKERS: 'custom',
    };
    const context = await createWorkerContext({ env, extra: [EchoModule], logger: false });
    try {
      expect(context.get(QueueWorkers).queueNames()).toEqual(['custom']);
      // An application context has no HTTP adapter at all.
      expect('getHttpServer' in context).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('fails start-up for a queue that is unknown', async () => {
    const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: uniquePrefix('roles') };
    // Every shipped queue now has an action, so the "no handler" refusal has no e2e case left.
    await expect(
      createWorkerContext({ env: { ...env, WORKERS: 'nope' }, extra: [EchoModule], logger: false }),
    ).rejects.toThrow(/WORKERS: unknown queue "nope"/);
  });

  it('leaves jobs of queues it does not consume waiting', async () => {
    const stack = await startStack({ extra: [EchoModule], workers: false });
    const prefix = stack.env.QUEUE_PREFIX!;
    const queue = new Queue('custom', { connection: { url: testRedisUrl() }, prefix });
    const events = new QueueEvents('custom', { connection: { url: testRedisUrl() }, prefix });
    try {
      const accepted = await request(stack.url).post('/actions/echo').send(body).expect(202);
      const bullId = (accepted.body.jobId as string).split('.')[1];
      expect(await queue.getJobState(bullId)).toBe('waiting');
      const worker = await createWorkerContext({
        env: stack.env,
        extra: [EchoModule],
        logger: false,
      });
      const job = await queue.getJob(bullId);
      await job!.waitUntilFinished(events);
      expect(await queue.getJobState(bullId)).toBe('completed');
      await worker.close();
    } finally {
      await events.close();
      await queue.close();
      await stack.close();
    }
  });
});

describe('all role', () => {
  it('has one JobViewTokens: the worker comment links open on its own API', async () => {
    // No JOB_VIEW_SECRET: each instance would hold its own random key.
    const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: uniquePrefix('roles') };
    const ref = await Test.createTestingModule({
      imports: [AppModule.forRole('all', env, [EchoModule])],
    }).compile();
    const tokensOf = (service: object) =>
      (service as unknown as { viewTokens: JobViewTokens }).viewTokens;
    try {
      const intake = tokensOf(ref.get(ActionIntake, { strict: false }));
      expect(intake).toBeInstanceOf(JobViewTokens);
      expect(tokensOf(ref.get(JobFeedback, { strict: false }))).toBe(intake);
    } finally {
      await ref.close();
    }
  });
});

describe('start-up configuration', () => {
  it('stops the API process with the bad variable named, exit code 1', async () => {
    const child = spawn(process.execPath, [join(__dirname, '../../dist/main.js')], {
      env: { ...process.env, PORT: 'eighty', REDIS_URL: testRedisUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output).toMatch(/PORT: .*\(got "eighty"\)/);
  });

  it('refuses production without a dashboard password', async () => {
    const child = spawn(process.execPath, [join(__dirname, '../../dist/main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BOARD_PASSWORD: '',
        REDIS_URL: testRedisUrl(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output).toMatch(/BOARD_PASSWORD: must be set when NODE_ENV=production/);
  });
});

describe('Bull Board', () => {
  it('answers 401 without credentials and 200 with them', async () => {
    const stack = await startStack({
      extra: [EchoModule],
      workers: false,
      env: { BOARD_USER: 'pipeline', BOARD_PASSWORD: 'correct-horse' },
    });
    try {
      const denied = await request(stack.url).get('/admin/queues').expect(401);
      expect(denied.headers['www-authenticate']).toMatch(/^Basic/);
      await request(stack.url).get('/admin/queues').auth('pipeline', 'wrong-horse').expect(401);
      const page = await request(stack.url)
        .get('/admin/queues')
        .auth('pipeline', 'correct-horse')
        .expect(200);
      expect(page.text).toContain('Kitsu Actions');
      const api = await request(stack.url)
        .get('/admin/queues/api/queues')
        .auth('pipeline', 'correct-horse')
        .expect(200);
      const names = (api.body.queues as Array<{ name: string }>).map((q) => q.name);
      expect(names).toEqual(
        expect.arrayContaining(['inspect', 'render', 'playlist', 'stats', 'custom']),
      );
    } finally {
      await stack.close();
    }
  });
});
