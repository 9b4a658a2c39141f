import type { ResolvedTask } from '../zou/selection-resolver';
import {
  MAX_SELECTION_ITEMS,
  selectionFromResult,
  selectionIndex,
  selectionItemLabel,
  selectionProjects,
  summarizeSelection,
} from './selection-summary';

function resolved(n: number, type: ResolvedTask['entityType'] = 'Shot'): ResolvedTask {
  return {
    task: { id: `t${n}` },
    entity: { id: `e${n}`, name: `SH${n}` },
    entityType: type,
    sequence: type === 'Shot' ? { id: 'q', name: 'SQ01' } : null,
    episode: { id: 'ep', name: 'E01' },
    project: { id: 'p', name: 'Film' },
    taskType: { id: 'tt', name: 'Animation' },
  } as unknown as ResolvedTask;
}

describe('selection summary', () => {
  it('names each resolved task with what the page links to, in selection order', () => {
    const [shot, episode] = summarizeSelection([resolved(1), resolved(2, 'Episode')]);
    expect(shot).toEqual({
      taskId: 't1',
      projectId: 'p',
      projectName: 'Film',
      episodeId: 'ep',
      entity: { id: 'e1', name: 'SH1', type: 'Shot' },
      taskType: { id: 'tt', name: 'Animation' },
      sequenceName: 'SQ01',
    });
    // An episode's own page has no episode segment above it.
    expect(episode).toMatchObject({ episodeId: null, sequenceName: null });
    expect(selectionItemLabel(shot)).toBe('SQ01 / SH1 · Animation');
    // The productions by name, once each, for the Selection heading.
    expect(selectionProjects([shot, episode, { ...shot, projectName: 'Short' }])).toBe(
      'Film, Short',
    );
    expect(selectionProjects([{ ...shot, projectName: undefined }])).toBe('');
  });

  it('stays bounded however large the selection', () => {
    const many = Array.from({ length: MAX_SELECTION_ITEMS + 20 }, (_, i) => resolved(i));
    expect(summarizeSelection(many)).toHaveLength(MAX_SELECTION_ITEMS);
  });

  it('reads back what an action stored, and indexes it by task', () => {
    const selection = summarizeSelection([resolved(1), resolved(2)]);
    const stored = JSON.parse(JSON.stringify({ summary: 's', selection })) as unknown;
    expect(selectionFromResult(stored)).toEqual(selection);
    expect(selectionIndex(stored).get('t2')?.entity.name).toBe('SH2');
    expect(selectionIndex({ selection: 'nope' }).size).toBe(0);
  });
});
