import { renderNotifyResult } from './notify.renderer';

const item = (n: number) => ({
  taskId: `t${n}`,
  projectId: 'p',
  episodeId: 'ep',
  entity: { id: `e${n}`, name: `SH${n}`, type: 'Shot' },
  taskType: { id: 'tt', name: 'Lighting' },
  sequenceName: 'SQ01',
});

describe('notify result on the job page', () => {
  it('says what was commented and on which tasks, by name, linked into Kitsu', () => {
    const html = renderNotifyResult(
      {
        summary: '3 task(s) commented',
        text: 'Lighting <notes> ready',
        commented: ['t1', 't2', 'unknown'],
        recovered: ['t2'],
        selection: [item(1), item(2)],
      },
      { kitsuUrl: 'https://kitsu.test', jobId: 'custom.1' },
    );
    expect(html).toContain(
      '<blockquote class="comment-text">Lighting &lt;notes&gt; ready</blockquote>',
    );
    expect(html).toContain('Commented on 3 task(s)');
    expect(html).toContain(
      '<a href="https://kitsu.test/productions/p/episodes/ep/shots/tasks/t1" target="_blank" rel="noopener">SQ01 / SH1 · Lighting</a>',
    );
    expect(html).toMatch(/data-task-id="t2">.*not repeated/);
    // A task Kitsu could not name is shown by its id.
    expect(html).toContain('<code>unknown</code>');
    expect(html).not.toContain('class="tree"');
  });

  it('copes with an old or empty result', () => {
    const html = renderNotifyResult(
      { summary: '0 task(s) commented' },
      { kitsuUrl: null, jobId: 'x' },
    );
    expect(html).toContain('No task was commented');
  });
});
