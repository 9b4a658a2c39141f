import { UnrecoverableError } from 'bullmq';
import { ZouError } from '../zou/zou.errors';

/**
 * Zou errors that retrying cannot fix (403, 404, 400) fail the job at once with a reason a
 * person can read; transient ones are rethrown for BullMQ's backoff.
 */
export function toUnrecoverable(error: unknown): never {
  if (error instanceof ZouError && !error.isTransient) {
    throw new UnrecoverableError(`Kitsu refused: ${error.message}`);
  }
  throw error;
}
