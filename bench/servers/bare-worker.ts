import { Worker } from 'bullmq';
import { reportReady } from '../lib/child';

/** The bare BullMQ worker: same queue, concurrency and connection settings, a no-op processor. */
const worker = new Worker('custom', async () => ({ startedAt: Date.now() }), {
  connection: { url: process.env.REDIS_URL!, maxRetriesPerRequest: null },
  prefix: process.env.QUEUE_PREFIX!,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 4),
});
void worker.waitUntilReady().then(() => reportReady());
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
