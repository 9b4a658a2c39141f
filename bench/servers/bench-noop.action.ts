import { Module } from '@nestjs/common';
import { KitsuAction } from '../../src/actions/action.decorator';
import type { ActionHandler, JobOf } from '../../src/actions/action.types';
import { wallNow } from '../lib/clock';

export interface BenchNoopResult {
  /** When the handler started, for pick-up latency (202 → handler start). */
  startedAt: number;
}

declare module '../../src/actions/action.types' {
  interface ActionJobMap {
    'bench-noop': Record<never, never>;
  }
  interface ActionResultMap {
    'bench-noop': BenchNoopResult;
  }
}

/** Does nothing but say when it started: what is measured is everything around a handler. */
@KitsuAction({
  name: 'bench-noop',
  label: 'No-op (bench)',
  description: 'Returns when it started; used by npm run bench',
  queue: 'custom',
  entityTypes: 'all',
  ajax: true,
  // It changes nothing in Kitsu, so (as for inspect and stats) no outcome comment is written.
  readOnly: true,
})
export class BenchNoopAction implements ActionHandler<'bench-noop'> {
  async handle(_job: JobOf<'bench-noop'>): Promise<BenchNoopResult> {
    return { startedAt: wallNow() };
  }
}

@Module({ providers: [BenchNoopAction] })
export class BenchNoopModule {}
