import { Module } from '@nestjs/common';
import { JOB_OUTCOME_STEP } from '../worker/job-outcome';
import { JobFeedback } from './job-feedback.service';
import { JobViewModule } from '../jobs/job-view-token';

/** Worker-role write-back of job outcomes into Kitsu. */
@Module({
  imports: [JobViewModule],
  providers: [JobFeedback, { provide: JOB_OUTCOME_STEP, useExisting: JobFeedback }],
  exports: [JobFeedback, JOB_OUTCOME_STEP],
})
export class FeedbackModule {}
