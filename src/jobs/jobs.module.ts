import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BoardLoginModule } from '../dashboard/board-login';
import { JobAccessPolicy } from './job-access.policy';
import { JobEventsHub } from './job-events.service';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

// The job API serves people (API role only): who may see a job needs the auth services.
@Module({
  imports: [AuthModule, BoardLoginModule],
  controllers: [JobsController],
  providers: [JobsService, JobAccessPolicy, JobEventsHub],
  exports: [JobsService, JobAccessPolicy, JobEventsHub],
})
export class JobsModule {}
