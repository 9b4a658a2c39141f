import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, QueueEvents } from 'bullmq';
import {
  startZouSimulator,
  type ZouSimulator,
  type ZouSimulatorOptions,
} from '../../dev/simulator/zou';
import { createHttpApp, createWorkerContext } from '../../src/bootstrap';
import type { Env } from '../../src/config/config.module';
import { parseJobId } from '../../src/queues/job-id';
import { testRedisUrl, uniquePrefix } from './test-env';

export interface TestStack {
  app: NestExpressApplication;
  worker: INestApplicationContext | null;
  url: string;
  env: Env;
  /** Resolves when the job (public id) has completed or failed. */
  waitForJob(publicId: string): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  env?: Env;
  extra?: NonNullable<ModuleMetadata['imports']>;
  workers?: boolean;
}

/** A stack that talks to its own Zou simulator as the bot; close() ends both. */
export interface ZouStack extends TestStack {
  zou: ZouSimulator;
}

/**
 * The API role on an ephemeral port plus, unless `workers: false`, a worker context in the same
 * process; both on their own queue prefix in the test Redis.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const env: Env = {
    NODE_ENV: 'test',
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix(),
    PORT: '0',
    WORKER_STALLED_INTERVAL_MS: '5000',
    // Action tests act as the person they name; test/security covers authentication.
    AUTH_MODE: 'none',
    // Tests send many clicks as one person; test/security covers the limits.
    RATE_LIMIT_PER_PERSON: '0',
    RATE_LIMIT_PER_IP: '0',
    ...options.env,
  };
  const logger = false as const;
  const app = await createHttpApp('api', { env, extra: options.extra, logger });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const worker =
    options.workers === false
      ? null
      : await createWorkerContext({ env, extra: options.extra, logger });
  const watchers = new Map<string, Promise<{ queue: Queue; events: QueueEvents }>>();

  /**
   * What waitForJob reads a queue's jobs through: its events, and a queue of the test's own.
   * BullMQ's waitUntilFinished adds a 'closing' listener to the job's queue for each wait, and a
   * test may await dozens of jobs at once (Node warns past 10); the app's queues keep Node's
   * default, so a leak there still warns.
   */
  function watcher(name: string): Promise<{ queue: Queue; events: QueueEvents }> {
    let existing = watchers.get(name);
    if (!existing) {
      const options = { connection: { url: env.REDIS_URL }, prefix: env.QUEUE_PREFIX };
      const queue = new Queue(name, options);
      queue.setMaxListeners(0);
      const events = new QueueEvents(name, options);
      existing = events.waitUntilReady().then(() => ({ queue, events }));
      watchers.set(name, existing);
    }
    return existing;
  }

  return {
    app,
    worker,
    url,
    env,
    async waitForJob(publicId) {
      // Links from the intake carry ?view=; the id is what comes before.
      const parsed = parseJobId(publicId.split('?')[0]);
      if (!parsed) throw new Error(`not a job id: ${publicId}`);
      const { queue, events } = await watcher(parsed.queue);
      const job = await queue.getJob(parsed.bullId);
      if (!job) throw new Error(`job ${publicId} not found`);
      await job.waitUntilFinished(events).catch(() => undefined);
    },
    async close() {
      for (const { queue, events } of await Promise.all(watchers.values())) {
        await Promise.all([events.close(), queue.close()]);
      }
      if (worker) await worker.close();
      await app.close();
    },
  };
}

/**
 * A Zou simulator and a stack reading it with the bot's token (ZOU_URL, ZOU_TOKEN), `options.env`
 * on top; the simulator is closed too if the stack does not start.
 */
export async function startZouStack(
  simulator: ZouSimulatorOptions,
  options: StackOptions = {},
): Promise<ZouStack> {
  const zou = await startZouSimulator(simulator);
  try {
    const stack = await startStack({
      ...options,
      env: { ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.bot, ...options.env },
    });
    return {
      ...stack,
      zou,
      async close() {
        await stack.close();
        await zou.close();
      },
    };
  } catch (error) {
    await zou.close();
    throw error;
  }
}
