import type { Job } from 'bullmq';
import type { ActionJobBase } from '../actions/action.types';

/** Fields every log line about a job carries: its request id joins it to the intake's lines. */
export function jobLogFields(job: Job<ActionJobBase>): Record<string, string> {
  return {
    requestId: job.data.requestId,
    jobId: `${job.queueName}.${job.id}`,
    action: job.data.variant ? `${job.data.action}/${job.data.variant}` : job.data.action,
  };
}
