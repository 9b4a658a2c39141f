import type { Job } from 'bullmq';
import type { ActionJobBase, JobOutcome } from '../actions/action.types';

/**
 * The last step of a job: writing its outcome somewhere (a Kitsu comment). The worker runs it
 * inside the job, after the work and before BullMQ hears of the end, so a worker killed in
 * between leaves the job active and the next worker finishes the step instead of losing it.
 * Provide it under JOB_OUTCOME_STEP.
 */
export interface JobOutcomeStep {
  /**
   * Whether this outcome writes anything. Only then is the outcome recorded on the job first
   * (one Redis write), so most jobs pay nothing for the step.
   */
  wants(job: Job<ActionJobBase>, outcome: JobOutcome): boolean;
  /**
   * Writes it, skipping what an earlier run recorded (`resumed`: the outcome was recorded by a run
   * that may have been killed half-way). A transient error it throws retries the job (its work is
   * not run again); a permanent one is logged by the step itself.
   */
  write(job: Job<ActionJobBase>, outcome: JobOutcome, resumed: boolean): Promise<void>;
}

export const JOB_OUTCOME_STEP = Symbol('JOB_OUTCOME_STEP');
