import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app.config';
import { announceJobChange } from '../../queues/job-changes';
import { ProducerConnection } from '../../queues/producer-connection';
import type { RenderedTask } from './render.action';

/** What render tracking last saw of one task's farm job. */
export interface LiveTaskState {
  state: RenderedTask['state'] | 'task-gone';
  progress: number;
  message?: string;
  /** Set when tracking stopped before the farm job ended (gave up, or polls kept failing). */
  stopped?: string;
  at: string;
}

/** Longer than completed render jobs are kept (7 days), so a page never loses its live states. */
const KEEP_SECONDS = 8 * 24 * 3600;

/**
 * The farm state of each task of a render job, as its tracking polls last saw it, in one Redis
 * hash per render job (under the queue prefix, so a hash-tagged prefix keeps it in the queues'
 * Cluster slot). The render job ends at submission; its page reads this to show where each farm
 * job is now.
 */
@Injectable()
export class RenderLiveStates {
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    private readonly app: AppConfig,
  ) {
    this.prefix = `${app.QUEUE_PREFIX}:render:live:`;
  }

  async record(
    renderJobId: string,
    taskId: string,
    state: Omit<LiveTaskState, 'at'>,
  ): Promise<void> {
    const key = this.prefix + renderJobId;
    const entry: LiveTaskState = { ...state, at: new Date().toISOString() };
    await this.producer.client
      .multi()
      .hset(key, taskId, JSON.stringify(entry))
      .expire(key, KEEP_SECONDS)
      .exec();
    // Open pages of the render job read it again (the job itself ended at submission, so BullMQ
    // says nothing more about it).
    await announceJobChange(this.producer.client, this.app.QUEUE_PREFIX, renderJobId);
  }

  async readOne(renderJobId: string, taskId: string): Promise<LiveTaskState | null> {
    const json = await this.producer.client.hget(this.prefix + renderJobId, taskId);
    try {
      return json ? (JSON.parse(json) as LiveTaskState) : null;
    } catch {
      return null;
    }
  }

  async read(renderJobId: string): Promise<Map<string, LiveTaskState>> {
    const raw = await this.producer.client.hgetall(this.prefix + renderJobId);
    const states = new Map<string, LiveTaskState>();
    for (const [taskId, json] of Object.entries(raw)) {
      try {
        states.set(taskId, JSON.parse(json) as LiveTaskState);
      } catch {
        // A malformed entry is skipped: the stored result still shows that task.
      }
    }
    return states;
  }
}
