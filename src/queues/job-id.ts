import { QueueKeys } from 'bullmq';
import { isQueueName, type QueueName } from './queues';

/**
 * The names BullMQ gives a queue's own keys (`<prefix>:<queue>:meta`, `:id`, `:events`,
 * `:failed`...). A job id equal to one of them would read that key as a job hash (a 500, or
 * BullMQ's internals shown as a job), so none is ever a job id here. Taken from BullMQ itself so
 * an upgrade that adds a key is covered.
 */
const BULL_KEY_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(new QueueKeys().getKeys('queue')).filter(Boolean),
  'metrics',
]);

/**
 * Public job ids carry their queue (`<queue>.<bull id>`) so a job is found with one lookup.
 * The bull id part is random, so ids cannot be guessed from one another.
 */
export function formatJobId(queue: string, bullId: string): string {
  return `${queue}.${bullId}`;
}

export function parseJobId(publicId: string): { queue: QueueName; bullId: string } | null {
  const dot = publicId.indexOf('.');
  if (dot <= 0) return null;
  const queue = publicId.slice(0, dot);
  const bullId = publicId.slice(dot + 1);
  if (!isQueueName(queue) || !/^[A-Za-z0-9_-]{1,64}$/.test(bullId)) return null;
  if (BULL_KEY_NAMES.has(bullId.toLowerCase())) return null;
  return { queue, bullId };
}
