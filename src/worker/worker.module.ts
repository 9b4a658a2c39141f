import { Module } from '@nestjs/common';
import { FeedbackModule } from '../feedback/feedback.module';
import { QueueWorkers } from './queue-workers.service';

@Module({ imports: [FeedbackModule], providers: [QueueWorkers], exports: [QueueWorkers] })
export class WorkerModule {}
