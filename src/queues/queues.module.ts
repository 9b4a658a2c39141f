import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { JobQueues } from './job-queues.service';
import { ProducerConnection, ProducerConnectionModule } from './producer-connection';
import { DEFAULT_JOB_OPTIONS, QUEUE_NAMES } from './queues';

/** Registers every queue on the shared producer connection with the house job defaults. */
@Global()
@Module({
  imports: [
    ProducerConnectionModule,
    BullModule.forRootAsync({
      imports: [ProducerConnectionModule],
      inject: [AppConfig, ProducerConnection],
      useFactory: (config: AppConfig, producer: ProducerConnection) => ({
        connection: producer.client,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  providers: [JobQueues],
  exports: [BullModule, JobQueues, ProducerConnectionModule],
})
export class QueuesModule {}
