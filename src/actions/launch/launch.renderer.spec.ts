import { buttonText, renderLaunchResult } from './launch.renderer';

const selection = [
  {
    taskId: 't1',
    projectId: 'p',
    episodeId: null,
    entity: { id: 'e1', name: 'SH010', type: 'Shot' },
    taskType: { id: 'tt', name: 'Anim' },
    sequenceName: 'SQ01',
  },
];

describe('launch result on the job page', () => {
  it('shows one button per URL, labelled by what it opens, web pages in their own tab', () => {
    const html = renderLaunchResult({
      summary: 'Review tool: 2 link(s) for 2 task(s)',
      launcher: 'review',
      launcherLabel: 'Review <tool>',
      urls: ['https://r.test/a?x=1&y=2', 'https://r.test/b'],
      links: [
        { url: 'https://r.test/a?x=1&y=2', label: 'SQ01 / SH010 · Anim', taskIds: ['t1'] },
        { url: 'https://r.test/b', label: 'SQ01 / SH020 · Anim', taskIds: ['t2'] },
      ],
      openUrl: null,
      skipped: [],
      missing: [],
    });
    expect(html.match(/class="button launch-link"/g)).toHaveLength(2);
    expect(html).toContain('href="https://r.test/a?x=1&amp;y=2" target="_blank" rel="noopener"');
    expect(html).toContain('Open SQ01 / SH010 · Anim in Review &lt;tool&gt;');
    expect(html).toContain('each opens when you press its button');
    expect(html).not.toContain('class="tree"');
  });

  it('marks the URL opened by itself; desktop links stay in the page', () => {
    const html = renderLaunchResult({
      launcher: 'kabaret',
      urls: ['kabaret://open?shot=1', 'kabaret://open?shot=2'],
      links: [
        { url: 'kabaret://open?shot=1', label: 'SH1', taskIds: [] },
        { url: 'kabaret://open?shot=2', label: 'SH2', taskIds: [] },
      ],
      openUrl: 'kabaret://open?shot=1',
    });
    expect(html).toContain('href="kabaret://open?shot=1" data-url');
    expect(html.match(/opened when the job finished/g)).toHaveLength(1);
  });

  it('copes with results stored before links, and never links a script URL', () => {
    const html = renderLaunchResult({
      launcher: 'old',
      urls: ['https://a.test/', 'javascript:alert(1)'],
      skipped: ['t1'],
      missing: ['gone'],
      selection,
    });
    expect(html).toContain('Open link 1 in old');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('link 2: not a link that may be opened');
    expect(html).toContain('Skipped (old does not take their entity type): SQ01 / SH010 · Anim');
    expect(html).toContain('Not found in Kitsu: <code>gone</code>');
  });
});

describe('launch button text', () => {
  it('never says "Open … in Open in …": a launcher labelled as a verb leads the button', () => {
    expect(buttonText('SQ01 / SH010 · Anim', 'Open in Blender')).toBe(
      'Open in Blender: SQ01 / SH010 · Anim',
    );
    expect(buttonText('3 tasks', 'Play in RV')).toBe('Play in RV: 3 tasks');
    expect(buttonText('SQ01 / SH010 · Anim', 'Review tool')).toBe(
      'Open SQ01 / SH010 · Anim in Review tool',
    );
  });
});
