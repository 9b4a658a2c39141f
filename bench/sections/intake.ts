import {
  idleShareSince,
  machineTicks,
  startChild,
  type Child,
  type GcFigures,
  type ServerLatency,
} from '../lib/child';
import { benchPrefix, clearBenchKeys, type BenchContext } from '../lib/context';
import {
  actionPath,
  planCycle,
  serviceEnv,
  startStudio,
  type BenchStudio,
  type ServiceVariant,
} from '../lib/deployment';
import { generateLoad, type LoadResult } from '../lib/load';
import type { SplitRequest, SplitResult } from '../servers/intake-split';

/** Baselines first, then the service as deployed, then one row per switch turned off. */
export const INTAKE_SERVERS = [
  'bare-http',
  'express-echo',
  'naive-nest',
  'service',
  'service-no-rate-limits',
  'service-no-authz',
  'service-shared-secret',
  'service-no-dedupe',
  'service-quiet-logs',
  'service-nest-route',
] as const;
export type IntakeServer = (typeof INTAKE_SERVERS)[number];

/** The service variant a row runs, or null for a baseline server. */
export function variantOf(server: IntakeServer): ServiceVariant | null {
  if (server === 'service') return 'as-deployed';
  return server.startsWith('service-') ? (server.slice(8) as ServiceVariant) : null;
}

export interface IntakeRun extends LoadResult {
  server: IntakeServer;
  connections: number;
  /**
   * Server CPU time per accepted request: steadier than the rate on a noisy machine, since it
   * does not depend on how much CPU the load tool and Redis took from the server.
   */
  cpuUsPerRequest: number;
  /**
   * Share of the machine's CPUs left idle over the run (/proc/stat): the server, Redis and the
   * load tool waiting on each other rather than short of CPU.
   */
  idleShare: number;
  /** Latency inside the server process over the same run (parsed request to answer sent). */
  inProcess: { p50Ms: number; p99Ms: number; maxMs: number; gc: GcFigures };
}

export interface IntakeResults {
  runs: IntakeRun[];
  /** Resident size of the service's API process, in bytes. */
  apiRssIdle: number;
  apiRssAfter: number;
  /** Where the as-deployed API's CPU per click goes, measured in its process (see intake-split). */
  split?: { acceptUs: number; insertUs: number; addUs: number };
  /** The as-deployed service against the peer and the bare limit, interleaved (headToHead). */
  headToHead?: HeadToHead;
  /** Persons, addresses and tasks the load is spread over. */
  persons: number;
  addresses: number;
}

/** The servers the targets compare, measured side by side in rounds. */
export const HEAD_TO_HEAD = ['bare-http', 'naive-nest', 'service'] as const;

export interface HeadToHeadRun {
  server: (typeof HEAD_TO_HEAD)[number];
  rps: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  errors: number;
}

/** One server's run in a head-to-head round (each round holds one per server). */
export function runOf(round: HeadToHeadRun[], server: HeadToHeadRun['server']): HeadToHeadRun {
  return round.find((run) => run.server === server)!;
}

/**
 * Short runs of the three servers one after another, round after round, the order rotating. A
 * shared VM has slow phases that last from seconds to minutes: over one long run per server, one
 * that falls in such a phase is compared with others that did not. Turns of a few seconds, side by
 * side, mostly share a phase, and the median of the rounds' ratios keeps the turns that did not
 * from deciding: it is the figure the targets judge.
 */
export interface HeadToHead {
  connections: number;
  durationSec: number;
  rounds: HeadToHeadRun[][];
}

export async function runIntake(
  ctx: BenchContext,
  servers: readonly IntakeServer[] = INTAKE_SERVERS,
): Promise<IntakeResults> {
  const studio = await startStudio();
  try {
    const results = await measure(ctx, studio, servers);
    if (HEAD_TO_HEAD.every((server) => servers.includes(server)) && ctx.sizes.headToHeadRounds > 0)
      results.headToHead = await headToHead(ctx, studio);
    return results;
  } finally {
    await studio.close();
  }
}

async function measure(
  ctx: BenchContext,
  studio: BenchStudio,
  servers: readonly IntakeServer[],
): Promise<IntakeResults> {
  const { sizes } = ctx;
  const { plan } = studio;
  const runs: IntakeRun[] = [];
  let apiRssIdle = Number.NaN;
  let apiRssAfter = Number.NaN;
  let split: IntakeResults['split'];
  for (const server of servers) {
    await clearBenchKeys(ctx.redis);
    const prefix = benchPrefix(server);
    const child = await startServer(ctx, studio, server, prefix);
    try {
      if (server === 'service') apiRssIdle = child.rss();
      const load = loader(ctx, studio, child, server);
      if (sizes.intakeWarmupSec > 0) {
        // Warm: sessions confirmed, tasks' projects known, as in a studio's working day.
        await load(sizes.intakeConnections[0], sizes.intakeWarmupSec);
      }
      for (const connections of sizes.intakeConnections) {
        await child.ask('latency-start');
        const result = await load(connections, sizes.intakeDurationSec);
        const { cpuUsPerRequest, idleShare } = result;
        const { p50Ms, p99Ms, maxMs, gc } = await child.ask<ServerLatency>('latency');
        ctx.log(
          `intake ${server} c=${connections}: ${result.rps.toFixed(0)}/s p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms errors ${result.errors}, ${cpuUsPerRequest.toFixed(0)} µs CPU/request, CPUs ${(idleShare * 100).toFixed(0)}% idle; in process p50 ${p50Ms.toFixed(2)} ms p99 ${p99Ms.toFixed(2)} ms; ${gc.minor} scavenges (median ${gc.minorMedianMs.toFixed(1)} ms), ${gc.major} full GCs`,
        );
        const inProcess = { p50Ms, p99Ms, maxMs, gc };
        runs.push({ ...result, server, connections, cpuUsPerRequest, inProcess });
      }
      if (server === 'service') {
        apiRssAfter = child.rss();
        split = await splitOf(child, {
          type: 'split',
          offset: load.offset(),
          calls: sizes.intakeSplitCalls,
        });
        ctx.log(
          `intake split: accept ${split.acceptUs.toFixed(0)} µs, its insert ${split.insertUs.toFixed(0)} µs, queue.add ${split.addUs.toFixed(0)} µs CPU per call`,
        );
      }
    } finally {
      await child.stop();
    }
  }
  return {
    runs,
    ...(split ? { split } : {}),
    apiRssIdle,
    apiRssAfter,
    persons: plan.persons.length,
    addresses: plan.addresses.length,
  };
}

/** One intake row's server, started: a baseline script, or the service with its variant's env. */
async function startServer(
  ctx: BenchContext,
  studio: BenchStudio,
  server: IntakeServer,
  prefix: string,
): Promise<Child> {
  const variant = variantOf(server);
  const env: Record<string, string> = variant
    ? serviceEnv(ctx.redisUrl, prefix, studio.zou, variant)
    : { REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: prefix };
  if (server === 'service') env.BENCH_PLAN = JSON.stringify(studio.plan);
  return startChild(variant ? 'service' : server, env);
}

/** A load run, with the server's CPU time per accepted request and the machine's idle share. */
type MeasuredLoad = LoadResult & { cpuUsPerRequest: number; idleShare: number };

interface Loader {
  (connections: number, durationSec: number): Promise<MeasuredLoad>;
  /** Where the next run starts in the plan. */
  offset(): number;
}

/**
 * Load runs against one server, each going on where the last stopped, so no selection repeats
 * within the dedupe window, and each with the server's CPU time per request (from /proc).
 */
function loader(
  ctx: BenchContext,
  studio: BenchStudio,
  child: Child,
  server: IntakeServer,
): Loader {
  const { plan } = studio;
  const variant = variantOf(server);
  const url = `${child.url}${variant ? actionPath(variant) : '/actions/bench-noop'}`;
  let offset = 0;
  const load = async (connections: number, durationSec: number): Promise<MeasuredLoad> => {
    const cpuBefore = child.cpuMs();
    const machineBefore = machineTicks();
    const result = await generateLoad(ctx.tool, { url, connections, durationSec, plan, offset });
    const cpuUsPerRequest = ((child.cpuMs() - cpuBefore) * 1000) / Math.max(1, result.requests);
    const idleShare = idleShareSince(machineBefore);
    // A selection may come back once the dedupe window (10 s) has passed, never within it.
    if ((result.sent / durationSec) * 10 >= planCycle(plan))
      throw new Error('the intake plan is too small for this rate');
    offset = (offset + result.sent + connections) % planCycle(plan);
    return { ...result, cpuUsPerRequest, idleShare };
  };
  return Object.assign(load, { offset: () => offset });
}

/** See HeadToHead: the three servers up at once, each warmed, then short runs in rotating order. */
async function headToHead(ctx: BenchContext, studio: BenchStudio): Promise<HeadToHead> {
  const { sizes } = ctx;
  const connections = sizes.intakeConnections[0];
  const durationSec = sizes.headToHeadSec;
  await clearBenchKeys(ctx.redis);
  const started: Array<{ server: HeadToHeadRun['server']; child: Child; load: Loader }> = [];
  try {
    for (const server of HEAD_TO_HEAD) {
      const child = await startServer(ctx, studio, server, benchPrefix(`h2h-${server}`));
      started.push({ server, child, load: loader(ctx, studio, child, server) });
    }
    for (const { load } of started) {
      if (sizes.intakeWarmupSec > 0) await load(connections, sizes.intakeWarmupSec);
    }
    const rounds: HeadToHeadRun[][] = [];
    for (let round = 0; round < sizes.headToHeadRounds; round++) {
      const order = started.map((_, i) => started[(i + round) % started.length]);
      const runs: HeadToHeadRun[] = [];
      for (const { server, load } of order) {
        const { rps, p99Ms, cpuUsPerRequest, errors } = await load(connections, durationSec);
        runs.push({ server, rps, p99Ms, cpuUsPerRequest, errors });
      }
      const [bare, peer, ours] = HEAD_TO_HEAD.map((server) => runOf(runs, server));
      ctx.log(
        `head to head, round ${round + 1}: service ${ours.rps.toFixed(0)}/s p99 ${ours.p99Ms.toFixed(2)} ms, ` +
          `${(ours.rps / peer.rps).toFixed(2)}x the peer, ${(ours.rps / bare.rps).toFixed(2)}x the bare limit`,
      );
      rounds.push(runs);
    }
    return { connections, durationSec, rounds };
  } finally {
    for (const { child } of started) await child.stop();
  }
}

/** Asks the as-deployed API process to time its intake without HTTP (bench/servers/intake-split). */
function splitOf(
  child: Child,
  request: SplitRequest,
): Promise<{ acceptUs: number; insertUs: number; addUs: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: SplitResult) => {
      if (message?.type !== 'split') return;
      child.process.off('message', onMessage);
      resolve({ acceptUs: message.acceptUs, insertUs: message.insertUs, addUs: message.addUs });
    };
    child.process.on('message', onMessage);
    child.process.send(request);
  });
}
