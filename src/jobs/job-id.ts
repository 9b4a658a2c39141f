import { isQueueName, type QueueName } from '../queues/queues';

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
  return { queue, bullId };
}
