import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { ActionJobBase } from '../../src/actions/action.types';
import { DEFAULT_JOB_OPTIONS } from '../../src/queues/queues';
import { startChild, type Child } from '../lib/child';
import { wallNow } from '../lib/clock';
import { benchPrefix, clearBenchKeys, type BenchContext } from '../lib/context';
import { JsonPoster } from '../lib/http-client';
import { PERSON_ID, PROJECT_ID } from '../lib/kitsu-body';
import { actionPath, planRequest, sendClicks, serviceEnv, startStudio } from '../lib/deployment';
import { median, percentile, roundsFigure, waitFor, type RoundsFigure } from '../lib/stats';

export interface ThroughputResults {
  jobs: number;
  concurrency: number;
  /**
   * Jobs per second drained from a paused, pre-filled queue, per round: both workers run all
   * along, and drain in turns, the one going first alternating, so a slow phase of the machine
   * falls on both rather than on one worker's whole measure.
   */
  rounds: Array<{ bareJobsPerSec: number; serviceJobsPerSec: number }>;
  /** The medians of the rounds, and of their service-to-bare ratios (the judged figure). */
  bareJobsPerSec: number;
  serviceJobsPerSec: number;
  ratio: number;
  /** The lowest and highest round's ratio. */
  ratioRange: RoundsFigure['range'];
  workerRssIdle: number;
  workerRssAfter: number;
}

export interface PickupLoad {
  /**
   * `heavy-cold` is the heavy stream sent to processes that have just started; `heavy` is the
   * same stream after a warm-up, the steady state a deployed service runs in.
   */
  label: 'light' | 'heavy-cold' | 'heavy';
  description: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export function jobData(i: number): ActionJobBase {
  return {
    action: 'bench-noop',
    variant: '',
    request: {
      personId: PERSON_ID,
      personEmail: 'artist@studio.example',
      projectId: PROJECT_ID,
      originPath: '/productions/demo/shots/tasks',
      originServer: 'kitsu.studio.example',
      taskIds: [`00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`],
      entityType: 'shot',
      format: 'ajax',
    },
    params: {},
    requestId: randomBytes(8).toString('hex'),
    requestedAt: new Date().toISOString(),
  };
}

/** Pauses the queue and adds `jobs` no-op jobs to it, 1000 at a time. */
export async function fillPaused(queue: Queue, jobs: number): Promise<void> {
  await queue.pause();
  for (let start = 0; start < jobs; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, jobs - start) }, (_, k) => ({
      name: 'bench-noop',
      data: jobData(start + k),
      opts: { ...DEFAULT_JOB_OPTIONS, jobId: randomBytes(12).toString('base64url') },
    }));
    await queue.addBulk(batch);
  }
}

/** Resumes a filled queue and times it until nothing waits or runs, in seconds. */
export async function drainSeconds(queue: Queue): Promise<number> {
  const began = wallNow();
  await queue.resume();
  await waitFor(
    'the queue to drain',
    async () => {
      const counts = await queue.getJobCounts('wait', 'active', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    },
    300000,
    10,
  );
  return (wallNow() - began) / 1000;
}

/** Fills a paused queue, starts draining and times it until nothing waits or runs. */
async function drain(ctx: BenchContext, queue: Queue, jobs: number): Promise<number> {
  await fillPaused(queue, jobs);
  const seconds = await drainSeconds(queue);
  const failed = await queue.getFailedCount();
  if (failed > 0) throw new Error(`${failed} no-op jobs failed`);
  ctx.log(`  drained ${jobs} jobs in ${seconds.toFixed(2)} s`);
  return jobs / seconds;
}

export async function runThroughput(ctx: BenchContext): Promise<ThroughputResults> {
  const { throughputJobs: jobs, workerConcurrency: concurrency, throughputRounds } = ctx.sizes;
  await clearBenchKeys(ctx.redis);
  const studio = await startStudio();
  const workers: Array<{ which: 'bare-worker' | 'service'; queue: Queue; child: Child }> = [];
  try {
    for (const which of ['bare-worker', 'service'] as const) {
      const prefix = benchPrefix(which);
      const env: Record<string, string> =
        which === 'service'
          ? {
              ...serviceEnv(ctx.redisUrl, prefix, studio.zou),
              BENCH_ROLE: 'worker',
              WORKERS: 'custom',
              WORKER_CONCURRENCY: `custom:${concurrency}`,
            }
          : {
              REDIS_URL: ctx.redisUrl,
              QUEUE_PREFIX: prefix,
              BENCH_CONCURRENCY: String(concurrency),
            };
      const queue = new Queue('custom', { connection: { url: ctx.redisUrl }, prefix });
      workers.push({ which, queue, child: await startChild(which, env) });
    }
    const [bare, service] = workers;
    const workerRssIdle = service.child.rss();
    const rounds: ThroughputResults['rounds'] = [];
    for (let round = 0; round < throughputRounds; round++) {
      const order = round % 2 === 0 ? [bare, service] : [service, bare];
      const perSec = new Map<string, number>();
      for (const { which, queue } of order) {
        ctx.log(`throughput round ${round + 1}, ${which}:`);
        perSec.set(which, await drain(ctx, queue, jobs));
      }
      rounds.push({
        bareJobsPerSec: perSec.get('bare-worker')!,
        serviceJobsPerSec: perSec.get('service')!,
      });
    }
    const ratio = roundsFigure(rounds.map((r) => r.serviceJobsPerSec / r.bareJobsPerSec));
    return {
      jobs,
      concurrency,
      rounds,
      bareJobsPerSec: median(rounds.map((r) => r.bareJobsPerSec)),
      serviceJobsPerSec: median(rounds.map((r) => r.serviceJobsPerSec)),
      ratio: ratio.median,
      ratioRange: ratio.range,
      workerRssIdle,
      workerRssAfter: service.child.rss(),
    };
  } finally {
    for (const { child, queue } of workers) {
      await child.stop();
      await queue.close();
    }
    await studio.close();
  }
}

/**
 * Time from the 202 to the handler starting, through the real API and worker processes.
 * Light: one request at a time with a pause between. Heavy: an open-loop stream at a fixed rate.
 */
export async function runPickup(ctx: BenchContext): Promise<PickupLoad[]> {
  const { sizes } = ctx;
  await clearBenchKeys(ctx.redis);
  const prefix = benchPrefix('pickup');
  const studio = await startStudio();
  const base = serviceEnv(ctx.redisUrl, prefix, studio.zou);
  const api = await startChild('service', { ...base, BENCH_RECORD_ACCEPTS: '1' });
  const worker = await startChild('service', {
    ...base,
    BENCH_ROLE: 'worker',
    WORKERS: 'custom',
    WORKER_CONCURRENCY: `custom:${sizes.workerConcurrency}`,
  });
  const queue = new Queue('custom', { connection: { url: ctx.redisUrl }, prefix });
  const poster = new JsonPoster(32);
  const url = `${api.url}${actionPath('as-deployed')}`;
  let counter = 0;

  const accept = async (): Promise<string> => {
    const { headers, body } = planRequest(studio.plan, counter++);
    const answer = await poster.post(url, body, headers);
    if (answer.status !== 202) throw new Error(`intake answered ${answer.status}: ${answer.body}`);
    return (JSON.parse(answer.body) as { jobId: string }).jobId;
  };

  const drained = () =>
    waitFor(
      'picked-up jobs to finish',
      async () => {
        const counts = await queue.getJobCounts('wait', 'active', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      },
      120000,
      10,
    );
  const latencies = async (publicIds: string[]) => {
    await drained();
    const { acceptedAt } = await api.ask<{ acceptedAt: Record<string, number> }>('accepted-times');
    const out: number[] = [];
    for (let i = 0; i < publicIds.length; i += 500) {
      const slice = publicIds.slice(i, i + 500);
      const jobs = await Promise.all(
        slice.map((id) => queue.getJob(id.slice(id.indexOf('.') + 1))),
      );
      jobs.forEach((job, k) => {
        const started = (job?.returnvalue as { startedAt?: number } | undefined)?.startedAt;
        const accepted = acceptedAt[slice[k]];
        if (typeof started !== 'number' || accepted === undefined) {
          throw new Error(`job ${slice[k]} has no start or no 202 time`);
        }
        out.push(started - accepted);
      });
    }
    return out;
  };

  try {
    const loads: PickupLoad[] = [];
    const light: string[] = [];
    for (let i = 0; i < sizes.pickupLightRequests; i++) {
      light.push(await accept());
      // Pacing: light load means the worker is idle when each job arrives.
      await new Promise((resolve) => setTimeout(resolve, sizes.pickupLightIntervalMs));
    }
    const lightMs = await latencies(light);
    loads.push({
      label: 'light',
      description: `${sizes.pickupLightRequests} requests one at a time, ${sizes.pickupLightIntervalMs} ms apart`,
      samples: lightMs.length,
      p50Ms: percentile(lightMs, 50),
      p99Ms: percentile(lightMs, 99),
    });

    const heavyLoad = async (label: 'heavy-cold' | 'heavy', description: string) => {
      const total = sizes.pickupHeavyRate * sizes.pickupHeavyDurationSec;
      const heavy: Promise<string>[] = [];
      const began = wallNow();
      while (heavy.length < total) {
        // Open loop: send what is due by now, then yield to the event loop for the answers.
        const due = Math.min(
          total,
          Math.floor(((wallNow() - began) / 1000) * sizes.pickupHeavyRate),
        );
        while (heavy.length < due) heavy.push(accept());
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const heavyMs = await latencies(await Promise.all(heavy));
      loads.push({
        label,
        description: `${sizes.pickupHeavyRate} requests/s for ${sizes.pickupHeavyDurationSec} s (open loop, up to 32 connections), ${description}`,
        samples: heavyMs.length,
        p50Ms: percentile(heavyMs, 50),
        p99Ms: percentile(heavyMs, 99),
      });
    };
    await heavyLoad('heavy-cold', 'to an API and a worker that have just started');

    // A process's first ~20,000 requests are V8's warm-up: in that phase the scavenges promote
    // most of what each request allocated (docs/benchmarks.md), which a service that has been up
    // for a while no longer does. Closed loop, as fast as it answers.
    const warmup = sizes.pickupWarmupClicks;
    const accepted = await sendClicks(poster, url, studio.plan, counter, warmup, 32);
    counter += warmup;
    if (accepted !== warmup) throw new Error(`${warmup - accepted} warm-up clicks were refused`);
    await drained();
    await heavyLoad(
      'heavy',
      `after ${sizes.pickupWarmupClicks.toLocaleString('en')} clicks of warm-up`,
    );
    for (const load of loads) {
      ctx.log(
        `pick-up ${load.label}: p50 ${load.p50Ms.toFixed(2)} ms p99 ${load.p99Ms.toFixed(2)} ms (${load.samples} jobs)`,
      );
    }
    return loads;
  } finally {
    poster.close();
    await queue.close();
    await worker.stop();
    await api.stop();
    await studio.close();
  }
}
