import { Module } from '@nestjs/common';
import { JobAccessPolicy } from './job-access.policy';
import { JobEventsHub } from './job-events.service';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Module({
  controllers: [JobsController],
  providers: [JobsService, JobAccessPolicy, JobEventsHub],
  exports: [JobsService, JobAccessPolicy, JobEventsHub],
})
export class JobsModule {}
