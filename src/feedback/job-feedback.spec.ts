import type { Job } from 'bullmq';
import type { ActionRegistry } from '../actions/action-registry.service';
import type { ActionJobBase } from '../actions/action.types';
import { FrameRangeOption, NumberOption } from '../actions/option-fields';
import { AppConfig } from '../config/app.config';
import { validateEnv } from '../config/validate-env';
import { JobViewConfig, JobViewTokens } from '../jobs/job-view-token';
import type { ZouClient } from '../zou/zou.client';
import { FeedbackConfig } from './feedback.config';
import { JobFeedback } from './job-feedback.service';

class FarmOptions {
  @FrameRangeOption({ label: 'Frames' })
  frameRange!: string;
  @NumberOption({ label: 'Priority', min: 0, max: 100 })
  priority!: number;
  @NumberOption({ label: 'Frames per farm task', min: 1, max: 100 })
  framesPerTask!: number;
}

const registry = {
  get: () => ({
    options: { label: 'Render on farm' },
    handler: { options: { schema: FarmOptions } },
  }),
} as unknown as ActionRegistry;

const feedback = new JobFeedback(
  null as unknown as ZouClient,
  registry,
  validateEnv(AppConfig, { PUBLIC_URL: 'http://actions.test' }),
  new JobViewTokens(validateEnv(JobViewConfig, {})),
  FeedbackConfig.fromEnv({}),
  {},
);

function job(data: Partial<ActionJobBase>): Job<ActionJobBase> {
  return { queueName: 'render', id: '7', data: { action: 'render', ...data } } as never;
}

const defaults = { frameRange: '', priority: 50, framesPerTask: 10 };
const done = { state: 'completed', result: { summary: '2 farm jobs submitted' } } as const;

describe('outcome comment', () => {
  it('names, on one line, the options the person changed from the defaults', () => {
    const text = feedback.commentText(
      job({
        options: { frameRange: '1001-1050', priority: 90, framesPerTask: 10 },
        optionDefaults: defaults,
      }),
      done,
    );
    expect(text).toBe(
      'Render on farm: 2 farm jobs submitted\nOptions: frames 1001-1050, priority 90\n\nDetails: http://actions.test/jobs/render.7',
    );
  });

  it('says nothing of options left at their defaults, or of an action without options', () => {
    const atDefaults = feedback.commentText(
      job({ options: defaults, optionDefaults: defaults }),
      done,
    );
    expect(atDefaults).not.toContain('Options:');
    expect(feedback.commentText(job({}), done as never)).not.toContain('Options:');
  });

  it('names them on a failure too', () => {
    const text = feedback.commentText(
      job({ options: { ...defaults, priority: 5 }, optionDefaults: defaults }),
      { state: 'failed', reason: 'farm refused' } as never,
    );
    expect(text).toMatch(/^Render on farm failed: .*\nOptions: priority 5\n\nDetails: /);
  });
});
