import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { LoadTool } from './load';

/** Sizes of one bench run: the full run for BENCHMARKS.md, the smoke run for the test suite. */
export interface BenchSizes {
  intakeConnections: number[];
  intakeWarmupSec: number;
  intakeDurationSec: number;
  /** Rounds of the head-to-head comparison (0: none), and each run's length. */
  headToHeadRounds: number;
  headToHeadSec: number;
  /** Calls of the in-process split (ActionIntake.accept, then queue.add). */
  intakeSplitCalls: number;
  throughputJobs: number;
  /** Drains of each worker, in alternating order (see ThroughputResults). */
  throughputRounds: number;
  workerConcurrency: number;
  pickupLightRequests: number;
  pickupLightIntervalMs: number;
  pickupHeavyRate: number;
  pickupHeavyDurationSec: number;
  /** Clicks sent through the API and worker between the cold and the warm heavy stream. */
  pickupWarmupClicks: number;
  zouSelections: number[];
  /** Largest selection for actions that write one comment per task (render). */
  zouWriteHeavyMax: number;
  zouProjectTasks: number;
  zouLatencyMs: number;
}

export const FULL: BenchSizes = {
  intakeConnections: [32, 128],
  intakeWarmupSec: 2,
  intakeDurationSec: 8,
  headToHeadRounds: 7,
  headToHeadSec: 3,
  intakeSplitCalls: 20000,
  throughputJobs: 20000,
  throughputRounds: 5,
  workerConcurrency: 16,
  pickupLightRequests: 200,
  pickupLightIntervalMs: 10,
  pickupHeavyRate: 1000,
  pickupHeavyDurationSec: 4,
  pickupWarmupClicks: 20000,
  zouSelections: [10, 100, 1000, 5000],
  zouWriteHeavyMax: 1000,
  zouProjectTasks: 20000,
  zouLatencyMs: 20,
};

export const SMOKE: BenchSizes = {
  intakeConnections: [2, 4],
  intakeWarmupSec: 0,
  intakeDurationSec: 1,
  headToHeadRounds: 2,
  headToHeadSec: 1,
  intakeSplitCalls: 200,
  throughputJobs: 200,
  throughputRounds: 2,
  workerConcurrency: 4,
  pickupLightRequests: 10,
  pickupLightIntervalMs: 5,
  pickupHeavyRate: 100,
  pickupHeavyDurationSec: 1,
  pickupWarmupClicks: 200,
  zouSelections: [10, 30],
  zouWriteHeavyMax: 30,
  zouProjectTasks: 60,
  zouLatencyMs: 2,
};

export interface BenchContext {
  sizes: BenchSizes;
  tool: LoadTool;
  redisUrl: string;
  /** A client for the bench's own bookkeeping (flushes between runs, counters). */
  redis: Redis;
  log(line: string): void;
}

/** Every server and run gets its own prefix; the bench's Redis is flushed between runs. */
export function benchPrefix(label: string): string {
  return `kitsu-bench-${label}-${randomBytes(3).toString('hex')}`;
}

/**
 * Deletes what earlier bench runs left, and only that: the bench may share a Redis with other
 * work (the test suite's), so it never flushes a whole database.
 */
export async function clearBenchKeys(redis: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'kitsu-bench-*', 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
