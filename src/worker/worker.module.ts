import { Module } from '@nestjs/common';
import { QueueWorkers } from './queue-workers.service';

@Module({ providers: [QueueWorkers], exports: [QueueWorkers] })
export class WorkerModule {}
