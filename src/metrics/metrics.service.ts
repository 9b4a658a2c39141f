import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QUEUE_NAMES } from '../queues/queues';
import { JobQueues } from '../queues/job-queues.service';
import { ZouClient } from '../zou/zou.client';
import { countZouCalls } from './zou-call-metrics';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/**
 * Prometheus metrics of the API process. Job counts come from Redis on each scrape, so they cover
 * every worker process without workers serving HTTP.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly intakeRequests = new Counter({
    name: 'kitsu_actions_intake_requests_total',
    help: 'Intake requests by action and HTTP status',
    labelNames: ['action', 'status'] as const,
    registers: [this.registry],
  });
  readonly intakeLatency = new Histogram({
    name: 'kitsu_actions_intake_duration_seconds',
    help: 'Time to answer an intake request',
    labelNames: ['action'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(queues: JobQueues, zou: ZouClient) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kitsu_actions_' });
    new Gauge({
      name: 'kitsu_actions_jobs',
      help: 'Jobs by queue and state (read from Redis at scrape time)',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          QUEUE_NAMES.map(async (name) => {
            const counts = await queues.get(name).getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    countZouCalls(this.registry, zou);
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }
}
