import type { ActionHandler } from '../actions/action.types';
import { plainReason } from './job-page';
import { renderFailureDetails, renderResult } from './result-renderers';
import { selectionFromResult } from '../actions/selection-summary';

const context = { kitsuUrl: 'https://kitsu.test', jobId: 'spec.1' };

/** A handler with only the view hooks under test. */
function handlerWith(hooks: Partial<ActionHandler>): ActionHandler {
  return { handle: () => Promise.resolve({}), ...hooks } as ActionHandler;
}

describe('the job page asks the action its view', () => {
  it("uses the action's renderResult, and the generic view without one", () => {
    const bold = handlerWith({ renderResult: (result) => `<b>${String(result)}</b>` });
    expect(renderResult(bold, 7, context)).toBe('<b>7</b>');
    const generic = renderResult(handlerWith({}), { summary: 'All <good>', n: 3 }, context);
    expect(generic).toContain('<p class="summary">All &lt;good&gt;</p>');
    expect(renderResult(undefined, { n: 3 }, context)).toContain('class="tree"');
  });

  it('falls back to the generic view when renderResult throws', () => {
    const broken = handlerWith({
      renderResult: () => {
        throw new Error('bad shape');
      },
    });
    expect(renderResult(broken, { a: 1 }, context)).toContain('class="tree"');
  });

  it("shows failure details with the action's renderFailure, nothing when it has none or throws", () => {
    const details = handlerWith({ renderFailure: (d) => `<i>${String(d)}</i>` });
    expect(renderFailureDetails(details, 'no answer', context)).toBe('<i>no answer</i>');
    expect(renderFailureDetails(details, undefined, context)).toBe('');
    expect(renderFailureDetails(handlerWith({}), 'x', context)).toBe('');
    const broken = handlerWith({
      renderFailure: () => {
        throw new Error('bad shape');
      },
    });
    expect(renderFailureDetails(broken, 'x', context)).toBe('');
  });
});

describe('selection names and plain reasons', () => {
  it('reads names from a `selection` summary or from inspect-like `tasks`', () => {
    const item = {
      taskId: 't',
      projectId: 'p',
      entity: { id: 'e', name: 'SH010', type: 'Shot' },
      taskType: { id: 'tt', name: 'Anim' },
    };
    expect(selectionFromResult({ selection: [item, { junk: true }] })).toEqual([
      { ...item, episodeId: null, sequenceName: null },
    ]);
    expect(
      selectionFromResult({
        tasks: [{ id: 't', project: { id: 'p' }, entity: item.entity, taskType: item.taskType }],
      }),
    ).toEqual([{ ...item, episodeId: null, sequenceName: null }]);
    expect(selectionFromResult({ nothing: 1 })).toBeNull();
  });

  it('says common failures in plain words', () => {
    expect(plainReason('connect ECONNREFUSED 127.0.0.1:80')).toMatch(/could not be reached/);
    expect(plainReason('echo was told to fail')).toBeNull();
  });
});
