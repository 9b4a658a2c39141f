import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { toInt, toList } from '../config/validate-env';

export class WorkerConfig {
  /** Per-queue concurrency overrides, e.g. `render:2,stats:1`. */
  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^[a-z-]+:\d{1,3}$/, { each: true, message: 'entries like render:2' })
  WORKER_CONCURRENCY: string[] = [];

  /** How long SIGTERM waits for active jobs before leaving them to stalled-job recovery. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600000)
  WORKER_SHUTDOWN_GRACE_MS = 25000;

  /** Lock a worker holds on an active job; a killed worker's jobs are retaken after this. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  WORKER_LOCK_DURATION_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  WORKER_STALLED_INTERVAL_MS = 15000;

  /**
   * Jobs started per second on each queue, counted across every worker process (BullMQ keeps the
   * limiter in Redis), so adding workers cannot flood Zou. 0 = no limit. Per queue:
   * WORKER_RATE_LIMIT=custom:5,inspect:20 overrides it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000)
  ZOU_JOBS_PER_SECOND = 0;

  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^[a-z-]+:\d{1,6}$/, { each: true, message: 'entries like custom:5' })
  WORKER_RATE_LIMIT: string[] = [];

  /** Jobs per second for a queue across all workers; 0 when unlimited. */
  rateLimitFor(queue: string): number {
    for (const entry of this.WORKER_RATE_LIMIT) {
      const [name, value] = entry.split(':');
      if (name === queue) return Number(value);
    }
    return this.ZOU_JOBS_PER_SECOND;
  }

  concurrencyFor(queue: string, fallback: number): number {
    for (const entry of this.WORKER_CONCURRENCY) {
      const [name, value] = entry.split(':');
      if (name === queue) return Math.max(1, Number(value));
    }
    return fallback;
  }
}

/** Concurrency by queue: I/O-bound queues run many jobs at once, CPU-heavy ones few. */
export const DEFAULT_CONCURRENCY: Record<string, number> = {
  inspect: 10,
  render: 4,
  'render-tracking': 20,
  playlist: 4,
  stats: 2,
  launch: 10,
  forward: 10,
  custom: 4,
  notices: 2,
};
