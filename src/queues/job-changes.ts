import type { RedisClient } from './redis-connection';

/**
 * The Redis channel on which work that goes on after its job ended (render tracking polls)
 * announces that the job's page has news; the message is the job's public id. BullMQ's own events
 * stop once a job has ended, so this is what keeps such a page live. Under the queue prefix, so
 * several deployments can share a Redis.
 */
export function jobChangeChannel(queuePrefix: string): string {
  return `${queuePrefix}:job-changes`;
}

/** Tells every API process that the job's page should be read again. */
export async function announceJobChange(
  client: RedisClient,
  queuePrefix: string,
  publicJobId: string,
): Promise<void> {
  await client.publish(jobChangeChannel(queuePrefix), publicJobId);
}
