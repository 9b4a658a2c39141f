import type { DefaultJobOptions } from 'bullmq';

/**
 * Every queue the service knows. A queue groups actions with similar cost so they can be scaled
 * apart (WORKERS=render on the farm-side machines, the rest elsewhere). A studio's own action
 * goes on `custom` unless it is heavy enough to deserve a queue of its own (add it here).
 */
export const QUEUE_NAMES = [
  'inspect',
  'render',
  'render-tracking',
  'playlist',
  'stats',
  'launch',
  'forward',
  'custom',
  // Internal: refusal notices the intake leaves for the worker (see RefusalNotices).
  'notices',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(value: string): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value);
}

/** Defaults for every job: retries with jittered exponential backoff, bounded history. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10000 },
};
