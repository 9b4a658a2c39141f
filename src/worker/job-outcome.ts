import type { Job } from 'bullmq';
import type { ActionJobBase } from '../actions/action.types';

/**
 * Told of each job's end in the worker that ran it (so once per job, whatever the number of
 * workers): completed, or failed for good (no attempt left). Provide it under
 * JOB_OUTCOME_LISTENER; errors it throws are logged and never change the job.
 */
export interface JobOutcomeListener {
  onCompleted(job: Job<ActionJobBase>, result: unknown): Promise<void>;
  onFinalFailure(job: Job<ActionJobBase>, error: Error): Promise<void>;
}

export const JOB_OUTCOME_LISTENER = Symbol('JOB_OUTCOME_LISTENER');
