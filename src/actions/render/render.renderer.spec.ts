import type { RenderResult, RenderedTask } from './render.action';
import { renderRenderResult } from './render.renderer';

function task(index: number, state: RenderedTask['state']): RenderedTask {
  return {
    taskId: `task-${index}`,
    name: `Big Buck SQ010 SH${index} Lighting`,
    farmJobId: `job-${index}`,
    url: `http://farm.test/jobs/job-${index}`,
    frames: '1001-1100',
    state,
    progress: state === 'active' ? 40 : 0,
    trackingJobId: `render-tracking.poll-${index}`,
    kitsu: {
      projectId: 'proj',
      episodeId: null,
      entityType: 'Shot',
      entityName: `SH${index}`,
      taskTypeName: 'Lighting',
    },
  };
}

const context = { kitsuUrl: 'https://kitsu.test', jobId: 'render.1', viewQuery: '?view=abc' };

describe('render job result', () => {
  it('links task names to Kitsu and tracking polls with the page token', () => {
    const html = renderRenderResult(
      { summary: '1 submitted', farm: 'flamenco', tasks: [task(1, 'queued')], errors: [] },
      context,
    );
    expect(html).toContain(
      '<a href="https://kitsu.test/productions/proj/shots/tasks/task-1" target="_blank" rel="noopener">SH1 · Lighting</a>',
    );
    expect(html).toContain('href="/jobs/render-tracking.poll-1?view=abc"');
    expect(html).toContain('Big Buck SQ010 SH1 Lighting');
  });

  it('groups a thousand tasks by state: failed, then rendering, then rendered folded away', () => {
    const tasks = Array.from({ length: 1000 }, (_, i) =>
      task(i, i < 3 ? 'failed' : i < 50 ? 'active' : 'completed'),
    );
    const html = renderRenderResult(
      { summary: '', farm: 'flamenco', tasks, errors: [] } satisfies RenderResult,
      context,
    );
    const groups = [
      ...html.matchAll(/<details class="render-group"[^>]*data-group="(\w+)"([^>]*)>/g),
    ];
    expect(groups.map((g) => [g[1], g[2].includes('open')])).toEqual([
      ['failed', true],
      ['rendering', true],
      ['completed', false],
    ]);
    expect(html).toContain('Rendered <span class="count">(950)</span>');
    expect(html).toContain('table-layout:fixed');
    expect(html.match(/<tr data-task-id=/g)).toHaveLength(1000);
  });

  it('escapes names and copes without Kitsu places', () => {
    const bare = { ...task(1, 'queued'), kitsu: undefined, name: '<b>x</b>' };
    const html = renderRenderResult(
      { summary: '', farm: 'flamenco', tasks: [bare], errors: [] },
      { kitsuUrl: null, jobId: 'render.1' },
    );
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('href="/jobs/render-tracking.poll-1"');
  });
});
