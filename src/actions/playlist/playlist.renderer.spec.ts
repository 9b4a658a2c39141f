import { renderPlaylistResult } from './playlist.renderer';

const entry = (n: number) => ({
  taskId: `t${n}`,
  entityId: `e${n}`,
  entityName: `SH0${n}0`,
  entityType: 'Shot',
  sequenceName: 'SQ01',
  taskTypeName: 'Animation',
  previewFileId: `pf${n}`,
});

const playlist = {
  id: 'pl',
  name: 'Dailies <Anim>',
  url: 'https://click.test/productions/p/playlists/pl',
  projectId: 'p',
  episodeId: null,
  taskTypeId: 'tt',
  forEntity: 'shot',
  added: 3,
  entries: [entry(1), entry(2)],
  skipped: [],
};

describe('playlist result on the job page', () => {
  it("lists the shots added, each with its preview's thumbnail through Kitsu and a link to it", () => {
    const html = renderPlaylistResult(
      { summary: 's', playlists: [playlist], skipped: [], missing: [] },
      { kitsuUrl: 'https://kitsu.test', jobId: 'playlist.1' },
    );
    expect(html).toContain('Dailies &lt;Anim&gt;');
    expect(html).toContain('href="https://click.test/productions/p/playlists/pl"');
    expect(html.match(/<li data-entity-id=/g)).toHaveLength(2);
    expect(html).toContain(
      'src="https://kitsu.test/api/pictures/thumbnails/preview-files/pf1.png" alt="Preview of SQ01 / SH010"',
    );
    expect(html).toContain('href="https://kitsu.test/productions/p/shots/e2"');
    expect(html).toContain('1 more not listed here');
  });

  it('without KITSU_URL, names each shot without picture or link (the page lets in no other origin)', () => {
    const bare = renderPlaylistResult(
      { playlists: [playlist] },
      { kitsuUrl: null, jobId: 'playlist.1' },
    );
    expect(bare).not.toContain('<img');
    expect(bare).toContain('<strong>SQ01 / SH020</strong>');
    expect(bare).not.toContain('/shots/e2');
    // The action made the playlist link with the click's server: it still opens.
    expect(bare).toContain('Open in Kitsu');
  });

  it('ignores entries of another shape', () => {
    const html = renderPlaylistResult(
      { playlists: [{ ...playlist, entries: [{ entityId: 1 }, null, entry(3)] }] },
      { kitsuUrl: 'https://kitsu.test', jobId: 'playlist.1' },
    );
    expect(html.match(/<li data-entity-id=/g)).toHaveLength(1);
  });
});
