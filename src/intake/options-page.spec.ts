import { BooleanOption, optionFieldsOf, TextOption } from '../actions/option-fields';
import { renderOptionsPage } from './options-page';

class PageOptions {
  @TextOption({ label: 'Name', maxLength: 70, hint: 'Empty: the template' })
  name!: string;
  @BooleanOption({ label: 'Notify' })
  notify!: boolean;
}

const base = {
  pendingId: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  title: 'Build review playlist',
  fields: optionFieldsOf(PageOptions),
  selection: [],
  taskCount: 3,
  expiresAt: '2026-01-01T10:15:00.000Z',
};

describe('options page', () => {
  it('escapes what it shows and posts to the pending id only', () => {
    const html = renderOptionsPage({
      ...base,
      values: { name: '"><script>alert(1)</script>', notify: true },
      problems: [],
    });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('<form method="post" action="/options/AAAAAAAAAAAAAAAAAAAAAAAA"');
    expect(html).toContain('formaction="/options/AAAAAAAAAAAAAAAAAAAAAAAA/cancel"');
    expect(html).toMatch(/id="option-notify" name="notify" checked/);
    // No hidden field: the person and the selection stay server-side.
    expect(html).not.toContain('type="hidden"');
  });

  it('names the selection: each task, and the production it is in', () => {
    const html = renderOptionsPage({
      ...base,
      selection: [
        {
          taskId: 't1',
          projectId: 'p',
          projectName: 'Forest <Tales>',
          episodeId: null,
          entity: { id: 'e1', name: 'SH0010', type: 'Shot' },
          taskType: { id: 'tt', name: 'Compositing' },
          sequenceName: 'SQ01',
        },
      ],
      values: {},
      problems: [],
    });
    expect(html).toContain(
      '<span class="muted" id="selection-count">3 task(s) in Forest &lt;Tales&gt;</span>',
    );
    expect(html).toContain('<span class="muted">SQ01 / </span>SH0010');
    expect(html).toContain('2 task(s) not listed');
  });

  it('puts each reason next to its field, marked invalid, and an unticked box stays unticked', () => {
    const html = renderOptionsPage({
      ...base,
      values: { name: 'x', notify: false },
      problems: [{ field: 'name', reason: 'must be at most 70 characters' }],
    });
    expect(html).toContain(
      '<p class="field-error error" id="option-name-error" data-field="name">Name must be at most 70 characters</p>',
    );
    expect(html).toContain(
      'aria-describedby="option-name-hint option-name-error" aria-invalid="true"',
    );
    expect(html).not.toMatch(/id="option-notify" name="notify" checked/);
    expect(html).toContain('Nothing was queued');
  });

  it('offers Next, then Run with Back after the first step; Next or Run stays the Enter key', () => {
    const at = (current: number) =>
      renderOptionsPage({ ...base, values: {}, problems: [], step: { current, last: 2 } });
    expect(at(1)).toContain('id="next"');
    expect(at(1)).not.toContain('id="back"');
    const last = at(2);
    expect(last).toContain(
      '<button type="submit" class="button secondary" id="back" formaction="/options/AAAAAAAAAAAAAAAAAAAAAAAA/back">Back</button>',
    );
    // The first submit button is the one Enter presses: Run, before Back.
    expect(last.indexOf('id="run"')).toBeLessThan(last.indexOf('id="back"'));
  });
});
