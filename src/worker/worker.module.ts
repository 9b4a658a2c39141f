import { Module } from '@nestjs/common';
import { configProvider } from '../config/config.module';
import { FeedbackModule } from '../feedback/feedback.module';
import { WorkerMetrics, WorkerMetricsConfig } from '../metrics/worker-metrics.service';
import { QueueWorkers } from './queue-workers.service';
import { WorkerConfig } from './worker.config';

@Module({
  imports: [FeedbackModule],
  providers: [
    configProvider(WorkerConfig),
    configProvider(WorkerMetricsConfig),
    QueueWorkers,
    WorkerMetrics,
  ],
  exports: [QueueWorkers, WorkerMetrics],
})
export class WorkerModule {}
