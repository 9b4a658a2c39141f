import type { KitsuActionRequest, OptionSelection } from './action.types';
import { checkOptions, optionFieldsOf, storedOptionsRefusal } from './option-fields';
import { DEFAULT_TEXT_MAX_LENGTH, MAX_OPTION_SPECS, parseOptionSpecs } from './option-specs';

const selection: OptionSelection = {
  request: {} as KitsuActionRequest,
  params: {},
  tasks: () => Promise.resolve([]),
};

const EVERY_KIND = [
  { name: 'note', kind: 'text', label: 'Note to editorial', maxLength: 20, hint: 'Short' },
  { name: 'copies', kind: 'number', label: 'Copies', min: 1, max: 10, default: 2 },
  { name: 'ratio', kind: 'number', min: 0, max: 1.5, integer: false },
  { name: 'size', kind: 'select', choices: ['hd', { value: '4k', label: '4K UHD' }] },
  { name: 'urgent', kind: 'boolean', label: 'Urgent', default: true },
  { name: 'frames', kind: 'frame-range', label: 'Frames', default: '1001-1010' },
];

describe('option fields declared in JSON', () => {
  it('declares every kind as the decorators do, with defaults given or implied', async () => {
    const { declaration, problems } = parseOptionSpecs(EVERY_KIND);
    expect(problems).toEqual([]);
    const fields = optionFieldsOf(declaration!.schema);
    expect(fields.map((f) => [f.name, f.kind, f.label])).toEqual([
      ['note', 'text', 'Note to editorial'],
      ['copies', 'number', 'Copies'],
      ['ratio', 'number', 'ratio'],
      ['size', 'select', 'size'],
      ['urgent', 'boolean', 'Urgent'],
      ['frames', 'frame-range', 'Frames'],
    ]);
    expect(fields[0]).toMatchObject({ hint: 'Short', maxLength: 20 });
    expect(fields[2]).toMatchObject({ min: 0, max: 1.5, integer: false });
    expect(fields[3].choices).toEqual([
      { value: 'hd', label: 'hd' },
      { value: '4k', label: '4K UHD' },
    ]);
    expect(await declaration!.defaults(selection)).toEqual({
      note: '',
      copies: 2,
      ratio: 0,
      size: 'hd',
      urgent: true,
      frames: '1001-1010',
    });
  });

  it('validates values with the same rules and reasons as declared options', async () => {
    const { declaration } = parseOptionSpecs(EVERY_KIND);
    const defaults = await declaration!.defaults(selection);
    const checked = checkOptions(
      declaration!.schema,
      { note: 'x'.repeat(21), copies: 11, ratio: 0.5, size: '8k', urgent: 'yes!', frames: '9-1' },
      defaults,
      'json',
    );
    expect(Object.fromEntries(checked.problems.map((p) => [p.field, p.reason]))).toEqual({
      note: 'must be at most 20 characters',
      copies: 'must be between 1 and 10',
      size: 'must be one of hd, 4k',
      urgent: 'must be true or false',
      frames: expect.stringMatching(/^must be empty or first-last/),
    });
    expect(checkOptions(declaration!.schema, { colour: 'red' }, defaults, 'json').problems).toEqual(
      [
        {
          field: 'colour',
          reason:
            'is not an option of this action (options: note, copies, ratio, size, urgent, frames)',
        },
      ],
    );
    // The worker's check of stored options reads the same class.
    expect(storedOptionsRefusal(declaration!.schema, { ...defaults, copies: '2; reboot' })).toMatch(
      /^options refused: copies must be a whole number/,
    );
    expect(storedOptionsRefusal(declaration!.schema, defaults)).toBeNull();
  });

  it('gives text a bounded length, and treats a minimum length as required', async () => {
    const { declaration } = parseOptionSpecs([{ name: 'note', kind: 'text', minLength: 1 }]);
    expect(optionFieldsOf(declaration!.schema)[0].maxLength).toBe(DEFAULT_TEXT_MAX_LENGTH);
    const defaults = await declaration!.defaults(selection);
    expect(checkOptions(declaration!.schema, {}, defaults, 'json').problems).toEqual([
      { field: 'note', reason: 'is required' },
    ]);
  });

  it('names the field and the reason for every bad declaration', () => {
    const { declaration, problems } = parseOptionSpecs([
      { name: '9lives', kind: 'text' },
      { name: 'constructor', kind: 'text' },
      { name: 'kind', kind: 'colour' },
      { name: 'proto', kind: 'constructor' },
      { name: 'long', kind: 'text', maxLength: 0 },
      { name: 'short', kind: 'text', maxLength: 5, minLength: 6 },
      { name: 'copies', kind: 'number', min: 1 },
      { name: 'swapped', kind: 'number', min: 5, max: 1 },
      { name: 'halves', kind: 'number', min: 0.5, max: 2 },
      { name: 'size', kind: 'select', choices: [] },
      { name: 'twice', kind: 'select', choices: ['a', 'a'] },
      { name: 'typo', kind: 'boolean', defualt: true },
      { name: 'urgent', kind: 'boolean', default: 'maybe' },
      { name: 'frames', kind: 'frame-range', default: '1100-1001' },
      { name: 'label', kind: 'text', label: 'Line\nbreak' },
      { name: 'urgent', kind: 'boolean' },
      'not an object',
    ]);
    expect(declaration).toBeNull();
    expect(problems).toEqual([
      'options[0]: name must be a letter then letters, digits or _ (at most 40)',
      'options[1]: name must be a letter then letters, digits or _ (at most 40)',
      'option "kind": kind must be one of text, number, select, boolean, frame-range, textarea, multi-select, date',
      'option "proto": kind must be one of text, number, select, boolean, frame-range, textarea, multi-select, date',
      'option "long": maxLength must be a whole number from 1 to 10000',
      'option "short": minLength must be a whole number from 0 to maxLength (5)',
      'option "copies": max must be a number',
      'option "swapped": min must not be above max',
      'option "halves": min and max must be whole numbers (or set "integer": false)',
      'option "size": choices must be a list of 1 to 100 values (text, or {"value", "label"})',
      'option "twice": choices: "a" is listed twice',
      'option "typo": unknown key(s) defualt (known: name, kind, label, hint, default)',
      'option "label": label must be text of 1 to 100 characters',
      'option "urgent": declared twice',
      'options[16]: name must be a letter then letters, digits or _ (at most 40)',
      'option "urgent": default must be true or false',
      expect.stringMatching(/^option "frames": default must be empty or first-last/),
    ]);
  });

  it('declares several lines, lists of choices and dates, with their own checks', async () => {
    const { declaration, problems } = parseOptionSpecs([
      { name: 'brief', kind: 'textarea', maxLength: 30, rows: 3 },
      { name: 'formats', kind: 'multi-select', choices: ['mov', 'mp4', 'exr'], minCount: 1 },
      { name: 'deliverBy', kind: 'date', minDate: '2026-01-01' },
      { name: 'shootDay', kind: 'date', optional: false, default: '2026-03-02' },
    ]);
    expect(problems).toEqual([]);
    const fields = optionFieldsOf(declaration!.schema);
    expect(fields.map((f) => f.kind)).toEqual(['textarea', 'multi-select', 'date', 'date']);
    const defaults = await declaration!.defaults(selection);
    expect(defaults).toEqual({
      brief: '',
      formats: ['mov'],
      deliverBy: '',
      shootDay: '2026-03-02',
    });
    const good = { brief: 'two\nlines', formats: ['exr', 'mov'], deliverBy: '2026-12-24' };
    expect(checkOptions(declaration!.schema, good, defaults, 'json').problems).toEqual([]);
    const bad = {
      brief: 'tab\there',
      formats: ['gif'],
      deliverBy: '2025-12-31',
      shootDay: '2026-02-30',
    };
    expect(
      checkOptions(declaration!.schema, bad, defaults, 'json').problems.map((p) => p.field),
    ).toEqual(['brief', 'formats', 'deliverBy', 'shootDay']);
    expect(
      parseOptionSpecs([
        { name: 'formats', kind: 'multi-select', choices: ['a'], maxCount: 2 },
        { name: 'day', kind: 'date', minDate: '2026-13-01' },
        { name: 'due', kind: 'date', optional: false },
        { name: 'notes', kind: 'textarea', rows: 0 },
      ]).problems,
    ).toEqual([
      'option "formats": maxCount must be a whole number from 1 to the number of choices (1)',
      'option "day": minDate must be a date written YYYY-MM-DD',
      'option "due": a date with "optional": false needs a "default"',
      'option "notes": rows must be a whole number from 1 to 40',
    ]);
  });

  it('takes no declaration as none, and refuses anything but a short list', () => {
    expect(parseOptionSpecs(undefined)).toEqual({ declaration: null, problems: [] });
    expect(parseOptionSpecs([])).toEqual({ declaration: null, problems: [] });
    const tooMany = Array.from({ length: MAX_OPTION_SPECS + 1 }, (_v, i) => ({
      name: `f${i}`,
      kind: 'boolean',
    }));
    for (const bad of [{ note: 'text' }, 'note', tooMany]) {
      expect(parseOptionSpecs(bad).problems).toEqual([
        `options must be a list of at most ${MAX_OPTION_SPECS} fields`,
      ]);
    }
  });
});
