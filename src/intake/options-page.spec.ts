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
});
