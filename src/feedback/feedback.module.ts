import { Module } from '@nestjs/common';
import { JOB_OUTCOME_LISTENER } from '../worker/job-outcome';
import { JobFeedback } from './job-feedback.service';

/** Worker-role write-back of job outcomes into Kitsu. */
@Module({
  providers: [JobFeedback, { provide: JOB_OUTCOME_LISTENER, useExisting: JobFeedback }],
  exports: [JobFeedback, JOB_OUTCOME_LISTENER],
})
export class FeedbackModule {}
