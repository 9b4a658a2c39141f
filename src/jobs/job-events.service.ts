import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents, QueueKeys } from 'bullmq';
import { AppConfig } from '../config/app.config';
import type { QueueName } from '../queues/queues';
import { createRedisConnection, type RedisClient } from '../queues/redis-connection';
import { RedisConfig } from '../queues/redis.config';
import { jobChangeChannel } from '../queues/job-changes';
import { parseJobId } from '../queues/job-id';

/** A change of one job, as the page's event stream sends it. */
export type JobChange =
  | { type: 'active' }
  | { type: 'progress'; data: unknown }
  | { type: 'completed' }
  | { type: 'failed'; failedReason: string }
  /** Work that goes on after the job ended (render tracking) saw something new. */
  | { type: 'changed' };

type Listener = (change: JobChange) => void;

/**
 * One BullMQ QueueEvents per queue per process, shared by every open job page: each QueueEvents
 * holds a blocking Redis connection, so one per browser tab would not scale. Listeners are kept
 * per job id and the queue's reader starts on first use.
 */
@Injectable()
export class JobEventsHub implements OnModuleDestroy {
  private readonly readers = new Map<QueueName, Promise<QueueEvents>>();
  private readonly connections: RedisClient[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private changes: Promise<RedisClient> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConfig,
  ) {}

  /** Calls `listener` for changes of the job until the returned function is called. */
  async subscribe(queue: QueueName, bullId: string, listener: Listener): Promise<() => void> {
    await Promise.all([this.reader(queue), this.changeReader()]);
    const key = `${queue}:${bullId}`;
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  readerCount(): number {
    return this.readers.size;
  }

  private reader(queue: QueueName): Promise<QueueEvents> {
    let reader = this.readers.get(queue);
    if (!reader) {
      reader = this.startReader(queue);
      this.readers.set(queue, reader);
      reader.catch(() => this.readers.delete(queue));
    }
    return reader;
  }

  private emit(key: string, change: JobChange): void {
    const set = this.listeners.get(key);
    if (set) for (const listener of [...set]) listener(change);
  }

  /** One subscriber connection per process to the job-change channel (see job-changes.ts). */
  private changeReader(): Promise<RedisClient> {
    if (!this.changes) {
      this.changes = this.startChangeReader();
      this.changes.catch(() => (this.changes = null));
    }
    return this.changes;
  }

  private async startChangeReader(): Promise<RedisClient> {
    const connection = createRedisConnection(this.config, 'worker', this.redis);
    this.connections.push(connection);
    connection.on('message', (_channel: string, publicId: string) => {
      const parsed = parseJobId(publicId);
      if (parsed) this.emit(`${parsed.queue}:${parsed.bullId}`, { type: 'changed' });
    });
    await connection.subscribe(jobChangeChannel(this.config.QUEUE_PREFIX));
    return connection;
  }

  /**
   * Reads the queue's events from the last one stored when it starts. QueueEvents' default ('$')
   * reads only what comes after its first blocking read, which it issues some round trips after
   * it is ready: a job that ran in between (the first page opened in a process, its job resumed
   * at once) was never seen, and its page stayed on "waiting".
   */
  private async startReader(queue: QueueName): Promise<QueueEvents> {
    const connection = createRedisConnection(this.config, 'worker', this.redis);
    this.connections.push(connection);
    const prefix = this.config.QUEUE_PREFIX;
    const stream = new QueueKeys(prefix).toKey(queue, 'events');
    const [last] = await connection.xrevrange(stream, '+', '-', 'COUNT', 1);
    const events = new QueueEvents(queue, {
      connection,
      prefix,
      lastEventId: last ? last[0] : '0-0',
    });
    const emit = (jobId: string, change: JobChange) => this.emit(`${queue}:${jobId}`, change);
    events.on('active', ({ jobId }) => emit(jobId, { type: 'active' }));
    events.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', data }));
    events.on('completed', ({ jobId }) => emit(jobId, { type: 'completed' }));
    events.on('failed', ({ jobId, failedReason }) => emit(jobId, { type: 'failed', failedReason }));
    // A retried job goes back to waiting; the page learns it through its next snapshot.
    events.on('waiting', ({ jobId }) => emit(jobId, { type: 'active' }));
    events.on('error', () => undefined);
    await events.waitUntilReady();
    return events;
  }

  async onModuleDestroy(): Promise<void> {
    const readers = await Promise.allSettled([...this.readers.values()]);
    await Promise.all(
      readers.map((r) => (r.status === 'fulfilled' ? r.value.close() : Promise.resolve())),
    );
    for (const connection of this.connections) connection.disconnect();
    this.changes = null;
    this.readers.clear();
    this.listeners.clear();
  }
}
