import type { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import type { ActionJobBase } from '../actions/action.types';

/** Fields every log line about a job carries: its request id joins it to the intake's lines. */
export function jobLogFields(job: Job<ActionJobBase>): Record<string, string> {
  return {
    requestId: job.data.requestId,
    jobId: `${job.queueName}.${job.id}`,
    action: job.data.variant ? `${job.data.action}/${job.data.variant}` : job.data.action,
  };
}

const jobLineLoggers = new WeakMap<Pino, Pino>();

/**
 * One info line about a job, as the Nest logger would write it for `context`. Its fields are
 * ids and names only (no secret can be in them), so it skips pino's wildcard redaction, which
 * cost the worker a sixth of its CPU on its "started" line. Without pino (tests that log
 * nothing), it goes to the Nest logger.
 */
export function logJobLine(
  fallback: Logger,
  context: string,
  fields: Record<string, unknown>,
  msg: string,
): void {
  const root = PinoLogger.root as Pino | undefined;
  if (!root) {
    fallback.log({ ...fields, msg });
    return;
  }
  let log = jobLineLoggers.get(root);
  if (!log) {
    log = root.child({ context }, { redact: [] });
    jobLineLoggers.set(root, log);
  }
  log.info(fields, msg);
}
