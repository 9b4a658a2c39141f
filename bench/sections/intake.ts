import { startChild, type Child } from '../lib/child';
import { benchPrefix, clearBenchKeys, type BenchContext } from '../lib/context';
import { generateLoad, type LoadResult } from '../lib/load';

export const INTAKE_SERVERS = [
  'bare-http',
  'express-echo',
  'naive-nest',
  'service-nest-route',
  'service',
] as const;
export type IntakeServer = (typeof INTAKE_SERVERS)[number];

/** Our service, as deployed (fast lane) or with every click through the Nest route. */
function isService(server: IntakeServer): boolean {
  return server === 'service' || server === 'service-nest-route';
}

export interface IntakeRun extends LoadResult {
  server: IntakeServer;
  connections: number;
  /**
   * Server CPU time per accepted request: steadier than the rate on a noisy machine, since it
   * does not depend on how much CPU the load tool and Redis took from the server.
   */
  cpuUsPerRequest: number;
}

export interface IntakeResults {
  runs: IntakeRun[];
  /** Resident size of the service's API process, in bytes. */
  apiRssIdle: number;
  apiRssAfter: number;
  /** Whether the service ran with shared-secret authentication. */
  authenticated: boolean;
}

/** The shared secret the service checks on every benchmarked request. */
export const BENCH_ACTION_KEY = 'bench-shared-secret-0123456789';

/** Settings that make our API the real thing: production mode, dedupe on, auth when available. */
export function serviceEnv(redisUrl: string, prefix: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    BOARD_PASSWORD: 'bench-board-password',
    DEDUPE_WINDOW: '10',
    AUTH_MODE: 'shared-secret',
    // The load comes from one person and one address; the limits would refuse it by design.
    RATE_LIMIT_PER_PERSON: '0',
    RATE_LIMIT_PER_IP: '0',
    ACTION_KEY: BENCH_ACTION_KEY,
    // Production with shared-secret refuses to start without the job links' own key.
    JOB_VIEW_SECRET: 'bench-job-view-secret-0123456789',
    LOG_LEVEL: 'info',
  };
}

/** Headers a Kitsu request carries to our service (the secret travels in the URL). */
export function serviceHeaders(): Record<string, string> {
  return {};
}

export async function runIntake(
  ctx: BenchContext,
  servers: readonly IntakeServer[] = INTAKE_SERVERS,
): Promise<IntakeResults> {
  const { sizes } = ctx;
  const runs: IntakeRun[] = [];
  let apiRssIdle = Number.NaN;
  let apiRssAfter = Number.NaN;
  for (const server of servers) {
    await clearBenchKeys(ctx.redis);
    const prefix = benchPrefix(server);
    const env: Record<string, string> = isService(server)
      ? {
          ...serviceEnv(ctx.redisUrl, prefix),
          INTAKE_FAST_LANE: server === 'service' ? 'true' : 'false',
        }
      : { REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: prefix };
    const child: Child = await startChild(isService(server) ? 'service' : server, env);
    try {
      if (server === 'service') apiRssIdle = child.rss();
      const url = isService(server)
        ? `${child.url}/actions/bench-noop?key=${BENCH_ACTION_KEY}`
        : `${child.url}/actions/bench-noop`;
      const headers = isService(server) ? serviceHeaders() : {};
      if (sizes.intakeWarmupSec > 0) {
        await generateLoad(ctx.tool, {
          url,
          connections: sizes.intakeConnections[0],
          durationSec: sizes.intakeWarmupSec,
          headers,
        });
      }
      for (const connections of sizes.intakeConnections) {
        const cpuBefore = child.cpuMs();
        const result = await generateLoad(ctx.tool, {
          url,
          connections,
          durationSec: sizes.intakeDurationSec,
          headers,
        });
        const cpuUsPerRequest = ((child.cpuMs() - cpuBefore) * 1000) / Math.max(1, result.requests);
        ctx.log(
          `intake ${server} c=${connections}: ${result.rps.toFixed(0)}/s p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms errors ${result.errors}, ${cpuUsPerRequest.toFixed(0)} µs CPU/request`,
        );
        runs.push({ ...result, server, connections, cpuUsPerRequest });
      }
      if (server === 'service') apiRssAfter = child.rss();
    } finally {
      await child.stop();
    }
  }
  return { runs, apiRssIdle, apiRssAfter, authenticated: true };
}
