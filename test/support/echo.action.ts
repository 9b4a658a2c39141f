import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { KitsuAction } from '../../src/actions/action.decorator';
import type { ActionContext, ActionHandler, JobOf } from '../../src/actions/action.types';

export interface EchoResult {
  taskIds: string[];
  format: string;
  params: Record<string, string>;
  attempt: number;
}

declare module '../../src/actions/action.types' {
  interface ActionJobMap {
    echo: Record<never, never>;
  }
  interface ActionResultMap {
    echo: EchoResult;
  }
}

/**
 * A test-only action that does no Zou work: it lets core tests exercise intake, queues and
 * workers on their own. `?fail=permanent` fails for good, `?fail=once` fails its first attempt.
 */
@KitsuAction({
  name: 'echo',
  label: 'Echo (tests)',
  description: 'Returns what it received',
  queue: 'custom',
  entityTypes: 'all',
  ajax: true,
  attempts: 3,
})
export class EchoAction implements ActionHandler<'echo'> {
  async handle(job: JobOf<'echo'>, context: ActionContext): Promise<EchoResult> {
    await context.progress(50, 'halfway');
    if (job.data.params.fail === 'permanent') throw new UnrecoverableError('echo was told to fail');
    if (job.data.params.fail === 'once' && job.attemptsMade === 0)
      throw new Error('first try fails');
    return {
      taskIds: job.data.request.taskIds,
      format: job.data.request.format,
      params: job.data.params,
      attempt: job.attemptsMade + 1,
    };
  }
}

@Module({ providers: [EchoAction] })
export class EchoModule {}
