import type { RegisteredAction } from '../actions/action.types';
import { dedupeKey } from './intake.service';

const click = {
  action: { options: { name: 'playlist' } } as RegisteredAction,
  variant: '',
  request: { personId: 'p1', taskIds: ['t2', 't1'] } as never,
  params: {},
};

describe('dedupeKey', () => {
  it('is the same for two clicks left at defaults that moved with the clock', () => {
    const at = (time: string) => ({ name: `Anim review 2026-03-31 ${time}`, forClient: false });
    const first = dedupeKey({ ...click, options: at('10:01'), optionDefaults: at('10:01') });
    const second = dedupeKey({ ...click, options: at('10:02'), optionDefaults: at('10:02') });
    expect(second).toBe(first);
  });

  it('differs when an option was changed from its default', () => {
    const defaults = { name: 'Anim review', forClient: false };
    const left = dedupeKey({ ...click, options: defaults, optionDefaults: defaults });
    const changed = dedupeKey({
      ...click,
      options: { ...defaults, forClient: true },
      optionDefaults: defaults,
    });
    expect(changed).not.toBe(left);
    // Without the defaults every option counts.
    expect(dedupeKey({ ...click, options: defaults })).not.toBe(left);
  });
});
