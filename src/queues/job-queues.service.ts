import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobsOptions, Queue } from 'bullmq';
import { ActionRegistry } from '../actions/action-registry.service';
import type { ActionName, JobDataOf } from '../actions/action.types';
import { GuardedJob, type AddGuard } from './guarded-add';
import { formatJobId } from './job-id';
import { QUEUE_NAMES, isQueueName, type QueueName } from './queues';
import { logNonOutageErrors } from './redis-outage';
import { ProducerConnection } from './producer-connection';
import type { RedisClient } from './redis-connection';
import { RedisConfig } from './redis.config';

/**
 * What a caller may choose about a job; everything else comes from the action's declaration.
 * enqueue copies each field by name, so a field added here must be added there too.
 */
export type EnqueueOptions = Pick<
  JobsOptions,
  'delay' | 'attempts' | 'backoff' | 'deduplication'
> & {
  /** BullMQ id of the new job; a fresh random one (randomJobId) when absent. */
  bullId?: string;
  /** Run by Redis in the same script, before the insert; it may refuse (AddRefusedError). */
  guard?: AddGuard;
};

export interface EnqueuedJob {
  /** The job's public id (`<queue>.<bull id>`), as pages and links show it. */
  jobId: string;
  /** True when deduplication handed back an existing job instead of adding this one. */
  duplicate: boolean;
}

/**
 * Thrown when fewer replicas than REDIS_REPLICA_ACKS confirmed a new job in time: the master may be
 * about to be demoted by a failover, which would drop the job, so the click is not acknowledged.
 */
export class ReplicationUnconfirmedError extends Error {
  override name = 'ReplicationUnconfirmedError';
}

/** Thrown when a job names an action nobody registered: a programming error, not bad input. */
export class UnknownActionError extends Error {
  override name = 'UnknownActionError';
}

/**
 * The BullMQ queues of this process, by name (registered through @nestjs/bullmq), and the one way
 * a job is put on one (`enqueue`): the intake's jobs and the follow-up jobs actions leave (render
 * tracking polls, refusal notices) alike.
 */
@Injectable()
export class JobQueues implements OnModuleInit {
  private queues: Map<QueueName, Queue> | null = null;
  private readonly logger = new Logger('Queues');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly registry: ActionRegistry,
    private readonly redis: RedisConfig,
    private readonly producer: ProducerConnection,
  ) {}

  /**
   * Adds a job for action `name` with data of that action's type, on the queue the action
   * declared (@KitsuAction), with its declared attempts unless `options` says otherwise. Resolves
   * once Redis has the job; rejects when Redis cannot take it.
   */
  async enqueue<N extends ActionName>(
    name: N,
    data: JobDataOf<N>,
    { bullId = randomJobId(), guard, delay, attempts, backoff, deduplication }: EnqueueOptions = {},
  ): Promise<EnqueuedJob> {
    const action = this.registry.get(name);
    if (!action) throw new UnknownActionError(`No action "${name}" is registered`);
    const queue = this.get(action.options.queue);
    // Only what was given, as a spread would copy it (BullMQ tells undefined from absent).
    const opts: JobsOptions & { jobId: string } = { jobId: bullId };
    if (delay !== undefined) opts.delay = delay;
    const jobAttempts = attempts ?? action.options.attempts;
    if (jobAttempts) opts.attempts = jobAttempts;
    if (backoff !== undefined) opts.backoff = backoff;
    if (deduplication !== undefined) opts.deduplication = deduplication;
    // Guarded inserts go on their own connection once it is up (it fails fast while it connects,
    // say on a Cluster still reading its slots); until then on the queues' connection.
    const inserts = this.producer.inserts;
    const writer = guard && inserts.status === 'ready' ? inserts : this.producer.client;
    const job = guard
      ? await GuardedJob.addGuarded(queue, writer, name, data, opts, guard)
      : await queue.add(name, data, opts);
    await this.confirmReplicated(writer);
    const storedId = job.id ?? bullId;
    return { jobId: formatJobId(queue.name, storedId), duplicate: storedId !== bullId };
  }

  /**
   * Redis replicates asynchronously: a job is acknowledged only once REDIS_REPLICA_ACKS replicas
   * hold it, so a failover cannot drop an accepted click. WAIT runs on the connection that wrote
   * the job: the queues' shared producer connection (BullMQ wraps the instance, no copy), or the
   * one that carries guarded inserts.
   */
  private async confirmReplicated(connection: RedisClient): Promise<void> {
    const wanted = this.redis.replicaAcks;
    if (wanted === 0) return;
    const acked = await connection.wait(wanted, this.redis.REDIS_REPLICA_ACK_TIMEOUT_MS);
    if (acked < wanted) {
      throw new ReplicationUnconfirmedError(
        `${acked} of ${wanted} Redis replica(s) confirmed the job within ${this.redis.REDIS_REPLICA_ACK_TIMEOUT_MS} ms`,
      );
    }
  }

  /** Opens the connection guarded inserts go on now, so it is up before the first click. */
  prepareGuardedInserts(): void {
    void this.producer.inserts;
  }

  /** BullMQ prints a queue's connection errors to stderr when nobody listens: listen. */
  onModuleInit(): void {
    for (const queue of this.all()) logNonOutageErrors(queue, this.logger, `${queue.name} queue`);
  }

  // Looked up on first use: during construction the queue providers may not exist yet, and the
  // dashboard asks before the application's init hooks run.
  private byName(): Map<QueueName, Queue> {
    this.queues ??= new Map(
      QUEUE_NAMES.map((name) => [
        name,
        this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
      ]),
    );
    return this.queues;
  }

  get(name: QueueName): Queue {
    return this.byName().get(name)!;
  }

  find(name: string): Queue | undefined {
    return isQueueName(name) ? this.byName().get(name) : undefined;
  }

  all(): Queue[] {
    return [...this.byName().values()];
  }
}

const ID_BYTES = 12;
const POOL_IDS = 256;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/**
 * 12 random bytes as base64url, taken from a pool filled 256 ids at a time: the same
 * unguessable ids as randomBytes(12) per call, without one crypto call per request (2.7% of
 * intake CPU in the profile).
 */
export function randomJobId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * POOL_IDS);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
