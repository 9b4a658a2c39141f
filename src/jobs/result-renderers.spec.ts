import { renderInspectResult } from '../actions/inspect/inspect.renderer';
import { kitsuEntityUrl, kitsuTaskTypeUrl, kitsuTaskUrl } from './kitsu-links';
import { plainReason } from './job-page';
import {
  registerResultRenderer,
  renderResult,
  renderTree,
  resultRendererFor,
  summaryOf,
} from './result-renderers';
import { selectionFromResult } from './selection-summary';

const context = { kitsuUrl: 'https://kitsu.test', jobId: 'inspect.1' };

describe('result renderers', () => {
  it('uses the registered renderer by action name (variants included) and falls back to the tree', () => {
    registerResultRenderer('spec-action', (result) => `<b>${String(result)}</b>`);
    expect(renderResult('spec-action/variant', 7, context)).toBe('<b>7</b>');
    const generic = renderResult('nobody-registered', { summary: 'All <good>', n: 3 }, context);
    expect(generic).toContain('<p class="summary">All &lt;good&gt;</p>');
    expect(generic).toContain('<span class="k">n</span> <span class="v-number">3</span>');
    expect(generic).toContain('Raw JSON');
    // The Selection panel lists the names: the tree does not repeat them.
    const named = renderResult(
      'nobody-registered',
      { n: 1, selection: [{ taskId: 't' }] },
      context,
    );
    expect(named).not.toContain('<span class="k">selection</span>');
  });

  it('falls back to the generic view when a renderer throws', () => {
    registerResultRenderer('spec-broken', () => {
      throw new Error('bad shape');
    });
    expect(renderResult('spec-broken', { a: 1 }, context)).toContain('class="tree"');
  });

  it('escapes every value and bounds deep trees', () => {
    expect(renderTree({ '<k>': '<script>' })).not.toContain('<script>');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i += 1) deep = { deeper: deep };
    expect(renderTree(deep)).toContain('…');
    expect(summaryOf({ summary: '  ' })).toBeNull();
  });

  it('renders inspect results with Kitsu task links', () => {
    expect(resultRendererFor('inspect')).toBe(renderInspectResult);
    const html = renderInspectResult(
      {
        summary: '1 task(s) inspected',
        count: 1,
        missing: ['gone'],
        tasks: [
          {
            id: 't1',
            project: { id: 'p1', name: 'Big Buck' },
            episode: null,
            sequence: { id: 's1', name: 'SQ01' },
            entity: { id: 'e1', name: 'SH010', type: 'Shot' },
            taskType: { id: 'tt1', name: 'Animation' },
            status: { shortName: 'wip', name: 'Work in progress' },
            assignees: [{ id: 'a', fullName: 'Ana Lee', email: null }],
          },
        ],
      },
      context,
    );
    expect(html).toContain('SQ01 / SH010');
    expect(html).toContain('href="https://kitsu.test/productions/p1/shots/tasks/t1"');
    expect(html).toContain('Not found in Kitsu: <code>gone</code>');
  });
});

describe('Kitsu links and selection names', () => {
  it('follows the Kitsu router shapes, with episodes for TV shows', () => {
    expect(kitsuTaskUrl('https://k', { projectId: 'p' }, 'Shot', 't')).toBe(
      'https://k/productions/p/shots/tasks/t',
    );
    expect(kitsuEntityUrl('https://k', { projectId: 'p', episodeId: 'e' }, 'Character', 'a')).toBe(
      'https://k/productions/p/episodes/e/assets/a',
    );
    expect(kitsuTaskTypeUrl('https://k', { projectId: 'p' }, 'shot', 'tt')).toBe(
      'https://k/productions/p/shots/task-types/tt',
    );
  });

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
