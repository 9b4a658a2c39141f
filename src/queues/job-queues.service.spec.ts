import type { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { ActionRegistry } from '../actions/action-registry.service';
import type { ActionHandler, ActionName, JobDataOf } from '../actions/action.types';
import { testRedisUrl, uniquePrefix } from '../../test/support/test-env';
import { JobQueues, ReplicationUnconfirmedError, UnknownActionError } from './job-queues.service';
import type { ProducerConnection } from './producer-connection';
import { RedisConfig } from './redis.config';

describe('JobQueues.enqueue', () => {
  const prefix = uniquePrefix('enqueue');
  const notices = new Queue('notices', { connection: { url: testRedisUrl() }, prefix });
  const registry = new ActionRegistry(null as never, null as never);
  registry.register(
    {
      name: 'refusal-notice',
      label: 'Refusal notice',
      description: 'test',
      queue: 'notices',
      entityTypes: 'all',
      ajax: true,
      attempts: 7,
      internal: true,
    },
    { handle: () => Promise.resolve({}) } as unknown as ActionHandler,
  );
  // Only the `notices` queue exists in this test; JobQueues looks queues up by token.
  const moduleRef = { get: () => notices } as unknown as ModuleRef;
  const queues = new JobQueues(
    moduleRef,
    registry,
    new RedisConfig(),
    {} as unknown as ProducerConnection,
  );

  const data: JobDataOf<'refusal-notice'> = {
    action: 'refusal-notice',
    variant: '',
    request: {
      personId: 'p1',
      personEmail: 'p1@example.com',
      projectId: null,
      originPath: '/',
      originServer: 'kitsu.test',
      taskIds: ['t1'],
      entityType: null,
      format: 'ajax',
    },
    params: {},
    requestId: 'r1',
    requestedAt: new Date(0).toISOString(),
    notice: { actionLabel: 'Render', rule: 'action-role', reason: 'no' },
  };

  afterAll(async () => {
    await notices.obliterate({ force: true });
    await notices.close();
  });

  it('puts the job on the queue its action declared, named after it, with its attempts', async () => {
    const { jobId, duplicate } = await queues.enqueue('refusal-notice', data);
    expect(duplicate).toBe(false);
    expect(jobId).toMatch(/^notices\.[A-Za-z0-9_-]{16}$/);
    const job = await notices.getJob(jobId.slice('notices.'.length));
    expect(job?.name).toBe('refusal-notice');
    expect(job?.data).toEqual(data);
    expect(job?.opts.attempts).toBe(7);
  });

  it('lets the caller choose the id, a delay and other attempts', async () => {
    const { jobId } = await queues.enqueue('refusal-notice', data, {
      bullId: 'chosen-id',
      delay: 60_000,
      attempts: 2,
    });
    expect(jobId).toBe('notices.chosen-id');
    const job = await notices.getJob('chosen-id');
    expect(job?.opts).toMatchObject({ attempts: 2, delay: 60_000 });
  });

  it('hands back the existing job inside a deduplication window', async () => {
    const deduplication = { id: 'same-click', ttl: 60_000 };
    const first = await queues.enqueue('refusal-notice', data, { deduplication });
    const second = await queues.enqueue('refusal-notice', data, { deduplication });
    expect(second).toEqual({ jobId: first.jobId, duplicate: true });
  });

  it('refuses to acknowledge a job fewer replicas than REDIS_REPLICA_ACKS confirmed', async () => {
    // The test Redis has no replica: WAIT 1 answers 0 after its timeout.
    const client = new Redis(testRedisUrl());
    const redis = Object.assign(new RedisConfig(), {
      REDIS_REPLICA_ACKS: 1,
      REDIS_REPLICA_ACK_TIMEOUT_MS: 20,
    });
    const waiting = new JobQueues(moduleRef, registry, redis, { client } as ProducerConnection);
    try {
      await expect(waiting.enqueue('refusal-notice', data)).rejects.toThrow(
        new ReplicationUnconfirmedError('0 of 1 Redis replica(s) confirmed the job within 20 ms'),
      );
    } finally {
      client.disconnect();
    }
  });

  it('waits for no replica unless asked, except under Sentinel', () => {
    expect(new RedisConfig().replicaAcks).toBe(0);
    const sentinel = Object.assign(new RedisConfig(), { REDIS_SENTINELS: ['s:26379'] });
    expect(sentinel.replicaAcks).toBe(1);
    expect(Object.assign(sentinel, { REDIS_REPLICA_ACKS: 0 }).replicaAcks).toBe(0);
  });

  it('refuses an action nobody registered', async () => {
    await expect(
      queues.enqueue('nobody' as ActionName, { ...data, action: 'nobody' } as never),
    ).rejects.toThrow(UnknownActionError);
  });
});
