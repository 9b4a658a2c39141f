import type { ActionHandler, ActionJobBase } from '../actions/action.types';
import { explainedFailure } from './job-failure';

const data = { action: 'forward' } as ActionJobBase;
const handlerWith = (explainFailure?: ActionHandler['explainFailure']) =>
  ({ explainFailure }) as unknown as ActionHandler;

describe('explainedFailure', () => {
  it('gives the action’s own account of the failure, from its data and reason', () => {
    const handler = handlerWith((_data, reason) => ({ plain: `told: ${reason}` }));
    expect(explainedFailure(handler, data, 'HTTP 500')).toEqual({ plain: 'told: HTTP 500' });
  });

  it('is null for no handler, no hook, or a hook with nothing better to say', () => {
    expect(explainedFailure(undefined, data, 'x')).toBeNull();
    expect(explainedFailure(handlerWith(), data, 'x')).toBeNull();
    expect(
      explainedFailure(
        handlerWith(() => null),
        data,
        'x',
      ),
    ).toBeNull();
  });

  it('is null when the hook throws, and says so to the warn callback', () => {
    const warnings: string[] = [];
    const throwing = handlerWith(() => {
      throw new Error('unexpected shape');
    });
    expect(explainedFailure(throwing, data, 'x', (m) => warnings.push(m))).toBeNull();
    expect(warnings).toEqual(['explainFailure of forward threw: Error: unexpected shape']);
    expect(explainedFailure(throwing, data, 'x')).toBeNull();
  });
});
