import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { startChild, type Child } from '../lib/child';
import { benchPrefix, clearBenchKeys, type BenchContext } from '../lib/context';
import { actionPath, serviceEnv, startStudio, type BenchStudio } from '../lib/deployment';
import { generateLoad } from '../lib/load';
import { drainSeconds, fillPaused } from './worker';

export const SCALE_PROCESSES = [1, 2, 4] as const;

export interface ScaleRun {
  processes: number;
  /** Intake as deployed: accepted requests per second over every API process. */
  intakeRps: number;
  intakeP99Ms: number;
  intakeErrors: number;
  /** Server CPU per accepted request, summed over the API processes. */
  intakeCpuUs: number;
  /** Worker role draining a pre-filled queue, every process at the same concurrency. */
  workerJobsPerSec: number;
  bareWorkerJobsPerSec: number;
}

export interface ScaleResults {
  connections: number;
  concurrency: number;
  jobs: number;
  runs: ScaleRun[];
}

/** A port free right now, for API processes that share it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The same figures with 1, 2 and 4 API processes, then worker processes, on one Redis. */
export async function runScale(ctx: BenchContext): Promise<ScaleResults> {
  const studio = await startStudio();
  const connections = ctx.sizes.intakeConnections[ctx.sizes.intakeConnections.length - 1];
  const { throughputJobs: jobs, workerConcurrency: concurrency } = ctx.sizes;
  const runs: ScaleRun[] = [];
  try {
    for (const processes of SCALE_PROCESSES) {
      const intake = await scaleIntake(ctx, studio, processes, connections);
      const workerJobsPerSec = await scaleWorkers(ctx, studio, processes, 'service');
      const bareWorkerJobsPerSec = await scaleWorkers(ctx, studio, processes, 'bare-worker');
      runs.push({ processes, ...intake, workerJobsPerSec, bareWorkerJobsPerSec });
      ctx.log(
        `scale ${processes}: intake ${intake.intakeRps.toFixed(0)}/s p99 ${intake.intakeP99Ms.toFixed(1)} ms ${intake.intakeCpuUs.toFixed(0)} µs CPU/request; worker ${workerJobsPerSec.toFixed(0)}/s, bare ${bareWorkerJobsPerSec.toFixed(0)}/s`,
      );
    }
  } finally {
    await studio.close();
  }
  return { connections, concurrency, jobs, runs };
}

async function scaleIntake(
  ctx: BenchContext,
  studio: BenchStudio,
  processes: number,
  connections: number,
): Promise<Pick<ScaleRun, 'intakeRps' | 'intakeP99Ms' | 'intakeErrors' | 'intakeCpuUs'>> {
  await clearBenchKeys(ctx.redis);
  const prefix = benchPrefix(`scale-api-${processes}`);
  const port = await freePort();
  const env = { ...serviceEnv(ctx.redisUrl, prefix, studio.zou), BENCH_SHARED_PORT: String(port) };
  const children: Child[] = [];
  try {
    for (let i = 0; i < processes; i++) children.push(await startChild('service', env));
    const url = `http://127.0.0.1:${port}${actionPath('as-deployed')}`;
    const options = { url, connections, plan: studio.plan };
    // Every process warms its own caches (sessions, task facts), as each replica does.
    const warm = await generateLoad(ctx.tool, {
      ...options,
      durationSec: ctx.sizes.intakeWarmupSec || 1,
      offset: 0,
    });
    const cpu = () => children.reduce((sum, child) => sum + child.cpuMs(), 0);
    const before = cpu();
    const result = await generateLoad(ctx.tool, {
      ...options,
      durationSec: ctx.sizes.intakeDurationSec,
      offset: warm.sent + connections,
    });
    return {
      intakeRps: result.rps,
      intakeP99Ms: result.p99Ms,
      intakeErrors: result.errors,
      intakeCpuUs: ((cpu() - before) * 1000) / Math.max(1, result.requests),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

async function scaleWorkers(
  ctx: BenchContext,
  studio: BenchStudio,
  processes: number,
  which: 'service' | 'bare-worker',
): Promise<number> {
  const { throughputJobs: jobs, workerConcurrency: concurrency } = ctx.sizes;
  await clearBenchKeys(ctx.redis);
  const prefix = benchPrefix(`scale-${which}-${processes}`);
  const env: Record<string, string> =
    which === 'service'
      ? {
          ...serviceEnv(ctx.redisUrl, prefix, studio.zou),
          BENCH_ROLE: 'worker',
          WORKERS: 'custom',
          WORKER_CONCURRENCY: `custom:${concurrency}`,
        }
      : { REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: prefix, BENCH_CONCURRENCY: String(concurrency) };
  const queue = new Queue('custom', { connection: { url: ctx.redisUrl }, prefix });
  const children: Child[] = [];
  try {
    await fillPaused(queue, jobs);
    for (let i = 0; i < processes; i++) children.push(await startChild(which, env));
    return jobs / (await drainSeconds(queue));
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await queue.close();
  }
}
