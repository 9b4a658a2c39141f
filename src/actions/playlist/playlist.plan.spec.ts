import type { ResolvedTask } from '../../zou/selection-resolver';
import { freeName, planPlaylists, playlistName, playlistUrl } from './playlist.plan';
import { renderPlaylistResult } from './playlist.renderer';

function resolved(
  id: string,
  options: {
    episode?: string;
    type?: ResolvedTask['entityType'];
    taskType?: string;
    tv?: boolean;
    preview?: boolean;
  },
): ResolvedTask {
  const taskType = options.taskType ?? 'light';
  return {
    task: {
      id,
      task_status_id: 'wip',
      last_preview_file_id: options.preview === false ? null : `pv-${id}`,
    },
    entity: { id: `e-${id}`, name: `E${id}` },
    entityType: options.type ?? 'Shot',
    sequence: null,
    episode: options.episode ? { id: options.episode, name: options.episode.toUpperCase() } : null,
    project: {
      id: 'p',
      name: 'Show',
      production_type: options.tv === false ? 'featurefilm' : 'tvshow',
    },
    taskType: { id: taskType, name: taskType === 'light' ? 'Lighting' : 'Animation' },
    taskStatus: {},
    assignees: [],
  } as unknown as ResolvedTask;
}

describe('planPlaylists', () => {
  const preview = (t: ResolvedTask) => t.task.last_preview_file_id;

  it('groups by episode and entity type in selection order, skipping tasks without preview', () => {
    const groups = planPlaylists(
      [
        resolved('3', { episode: 'ep2' }),
        resolved('1', { episode: 'ep1' }),
        resolved('2', { episode: 'ep1', preview: false }),
        resolved('4', { episode: 'ep1', type: 'Asset' }),
        resolved('5', { episode: 'ep1', taskType: 'anim' }),
      ],
      preview,
    );
    expect(groups.map((g) => [g.episodeId, g.forEntity])).toEqual([
      ['ep2', 'shot'],
      ['ep1', 'shot'],
      ['ep1', 'asset'],
    ]);
    const ep1 = groups[1];
    expect(ep1.entries.map((e) => e.taskId)).toEqual(['1', '5']);
    expect(ep1.skipped).toEqual([
      expect.objectContaining({ taskId: '2', reason: expect.stringMatching(/no preview/) }),
    ]);
    // Mixed task types: no task type on the playlist, both names for its title.
    expect(ep1.taskTypeId).toBeNull();
    expect(ep1.taskTypeNames).toEqual(['Lighting', 'Animation']);
    expect(groups[0].taskTypeId).toBe('light');
  });

  it('ignores episodes outside TV shows', () => {
    const [group] = planPlaylists([resolved('1', { episode: 'ep1', tv: false })], preview);
    expect(group.episodeId).toBeNull();
  });
});

describe('names and links', () => {
  const at = new Date('2026-11-28T14:05:09Z');
  it('fills the default template in the configured time zone', () => {
    const parts = { taskType: 'Lighting', project: 'Show', episode: null, entityType: 'shot', at };
    expect(playlistName('{task_type} review {date} {time}', { ...parts, timeZone: 'UTC' })).toBe(
      'Lighting review 2026-11-28 14:05',
    );
    expect(
      playlistName('{task_type} review {date} {time}', { ...parts, timeZone: 'Asia/Tokyo' }),
    ).toBe('Lighting review 2026-11-28 23:05');
    expect(playlistName('{project} {episode} {oops}', { ...parts, timeZone: 'UTC' })).toBe(
      'Show {oops}',
    );
  });

  it('suffixes a taken name with the first free number', () => {
    expect(freeName('A', new Set(['A', 'A (2)']), 2)).toBe('A (3)');
    expect(freeName('A', new Set())).toBe('A');
  });

  it('links with and without an episode', () => {
    expect(playlistUrl('https://k.test/', 'p', null, 'x')).toBe(
      'https://k.test/productions/p/playlists/x',
    );
    expect(playlistUrl('https://k.test', 'p', 'e', 'x')).toBe(
      'https://k.test/productions/p/episodes/e/playlists/x',
    );
  });

  it('renders an open button per playlist and escapes names', () => {
    const html = renderPlaylistResult({
      summary: 's',
      playlists: [
        {
          id: 'x',
          name: '<A>',
          url: 'https://k.test/x',
          added: 2,
          skipped: [{ taskId: 't', entityName: 'SH1', taskType: 'L', reason: 'no preview' }],
        },
      ],
      skipped: [],
      missing: ['m'],
    });
    expect(html).toContain('&lt;A&gt;');
    expect(html).toContain('href="https://k.test/x"');
    expect(html).toContain('SH1');
    expect(html).toContain('<code>m</code>');
  });
});
