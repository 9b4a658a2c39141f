import { kitsuEntityUrl, kitsuTaskTypeUrl, kitsuTaskUrl } from './kitsu-links';
import { renderGenericResult, renderTree, summaryOf } from './result-view';

describe('the generic result view', () => {
  it('shows the summary, then every other field as a tree, then the raw JSON', () => {
    const generic = renderGenericResult({ summary: 'All <good>', n: 3 });
    expect(generic).toContain('<p class="summary">All &lt;good&gt;</p>');
    expect(generic).toContain('<span class="k">n</span> <span class="v-number">3</span>');
    expect(generic).toContain('Raw JSON');
    // The Selection panel lists the names: the tree does not repeat them.
    const named = renderGenericResult({ n: 1, selection: [{ taskId: 't' }] });
    expect(named).not.toContain('<span class="k">selection</span>');
  });

  it('escapes every value and bounds deep trees', () => {
    expect(renderTree({ '<k>': '<script>' })).not.toContain('<script>');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i += 1) deep = { deeper: deep };
    expect(renderTree(deep)).toContain('…');
    expect(summaryOf({ summary: '  ' })).toBeNull();
  });
});

describe('Kitsu links', () => {
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
});
