import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Job } from 'bullmq';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ActionJobBase } from '../actions/action.types';
import { toInt } from '../config/validate-env';
import { FARM_ADAPTER } from '../farms/farms.module';
import type { FarmAdapter } from '../farms/farm.types';
import { ZouClient } from '../zou/zou.client';
import { countZouCalls } from './zou-call-metrics';

export class WorkerMetricsConfig {
  /** Port of the worker's own /metrics (Prometheus scrapes each worker); unset = no listener. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT?: number;
}

/**
 * What only a worker sees: how long jobs take, how many attempts they need, and the Zou and farm
 * calls it makes. Served on WORKER_METRICS_PORT, so every worker process is a scrape target.
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerMetrics');
  readonly registry = new Registry();
  private server: Server | null = null;

  readonly jobDuration = new Histogram({
    name: 'kitsu_actions_job_duration_seconds',
    help: 'Time from a job attempt starting to its end, by queue, action and outcome',
    labelNames: ['queue', 'action', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly jobAttempts = new Histogram({
    name: 'kitsu_actions_job_attempts',
    help: 'Attempts a job took when it ended, by queue, action and outcome',
    labelNames: ['queue', 'action', 'outcome'] as const,
    buckets: [1, 2, 3, 4, 5, 8],
    registers: [this.registry],
  });

  constructor(
    private readonly config: WorkerMetricsConfig,
    zou: ZouClient,
    @Inject(FARM_ADAPTER) farm: FarmAdapter,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kitsu_actions_worker_' });
    countZouCalls(this.registry, zou);
    // The farm client keeps its own cumulative counts; they are read at scrape time.
    new Gauge({
      name: 'kitsu_actions_farm_calls',
      help: 'Farm calls from this process since start, by farm, operation and outcome',
      labelNames: ['farm', 'operation', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const stats = farm.stats();
        for (const [operation, counts] of Object.entries(stats.byOperation)) {
          this.set({ farm: stats.farm, operation, outcome: 'ok' }, counts.ok);
          this.set(
            { farm: stats.farm, operation, outcome: 'transient-error' },
            counts.transientError,
          );
          this.set(
            { farm: stats.farm, operation, outcome: 'permanent-error' },
            counts.permanentError,
          );
        }
      },
    });
  }

  /** Called by the queue workers when an attempt ends. */
  observe(job: Job<ActionJobBase>, outcome: 'completed' | 'failed' | 'retrying'): void {
    const labels = { queue: job.queueName, action: job.data.action, outcome };
    if (job.processedOn) {
      const end = job.finishedOn ?? Date.now();
      this.jobDuration.observe(labels, Math.max(0, end - job.processedOn) / 1000);
    }
    if (outcome !== 'retrying') this.jobAttempts.observe(labels, Math.max(1, job.attemptsMade));
  }

  get port(): number | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? address.port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.WORKER_METRICS_PORT;
    if (port === undefined) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject).listen(port, () => resolve());
    });
    this.logger.log(`Worker metrics on :${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.registry.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
