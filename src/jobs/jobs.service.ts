import { Injectable } from '@nestjs/common';
import { Job, type JobState } from 'bullmq';
import type { ActionJobBase, JobProgress } from '../actions/action.types';
import { JobQueues } from '../queues/job-queues.service';
import type { QueueName } from '../queues/queues';
import { formatJobId, parseJobId } from './job-id';

export type PublicJobState = JobState | 'unknown';

/** What the job API and the job page show of a job. */
export interface JobView {
  id: string;
  action: string;
  state: PublicJobState;
  progress: JobProgress;
  result: unknown;
  failedReason: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  requestId: string;
  request: ActionJobBase['request'];
  params: Record<string, string>;
  logs: string[];
}

export const FINAL_STATES: readonly PublicJobState[] = ['completed', 'failed'];

@Injectable()
export class JobsService {
  constructor(private readonly queues: JobQueues) {}

  async find(publicId: string): Promise<Job<ActionJobBase> | null> {
    const parsed = parseJobId(publicId);
    if (!parsed) return null;
    const job = await Job.fromId<ActionJobBase>(this.queues.get(parsed.queue), parsed.bullId);
    return job ?? null;
  }

  async view(publicId: string): Promise<JobView | null> {
    const job = await this.find(publicId);
    return job ? this.toView(job) : null;
  }

  async toView(job: Job<ActionJobBase>): Promise<JobView> {
    const [state, logs] = await Promise.all([
      job.getState(),
      this.queues.get(job.queueName as QueueName).getJobLogs(job.id!, 0, 49),
    ]);
    const data = job.data;
    return {
      id: formatJobId(job.queueName, job.id!),
      action: data.variant ? `${data.action}/${data.variant}` : data.action,
      state,
      progress: normalizeProgress(job.progress, state),
      result: job.returnvalue ?? null,
      failedReason: job.failedReason ?? null,
      attempts: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      createdAt: new Date(job.timestamp).toISOString(),
      startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      requestId: data.requestId,
      request: data.request,
      params: data.params,
      logs: logs.logs,
    };
  }
}

function normalizeProgress(progress: unknown, state: PublicJobState): JobProgress {
  if (state === 'completed') return { percent: 100 };
  if (typeof progress === 'number') return { percent: progress };
  if (progress && typeof progress === 'object' && 'percent' in progress) {
    const { percent, message } = progress as { percent: unknown; message?: unknown };
    return {
      percent: typeof percent === 'number' ? percent : 0,
      ...(typeof message === 'string' ? { message } : {}),
    };
  }
  return { percent: 0 };
}
