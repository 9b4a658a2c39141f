import { Module } from '@nestjs/common';
import { FeedbackModule } from '../feedback/feedback.module';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { QueueWorkers } from './queue-workers.service';

@Module({
  imports: [FeedbackModule],
  providers: [QueueWorkers, WorkerMetrics],
  exports: [QueueWorkers, WorkerMetrics],
})
export class WorkerModule {}
