import { renderInspectResult } from './inspect.renderer';

const context = { kitsuUrl: 'https://kitsu.test', jobId: 'inspect.1' };

describe('inspect view', () => {
  it('renders inspect results with Kitsu task links', () => {
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
