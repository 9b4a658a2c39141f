import {
  BooleanOption,
  checkOptions,
  chosenOptionsLine,
  DateOption,
  FrameRangeOption,
  isCalendarDate,
  MultiSelectOption,
  NumberOption,
  optionFieldsOf,
  optionsJsonSchema,
  parseFrameRange,
  SelectOption,
  TextAreaOption,
  TextOption,
} from './option-fields';

class SampleOptions {
  @TextOption({ label: 'Name', maxLength: 20 })
  name!: string;
  @NumberOption({ label: 'Priority', min: 0, max: 100 })
  priority!: number;
  @SelectOption({
    label: 'Scope',
    choices: [
      { value: 'selection', label: 'Selection' },
      { value: 'project', label: 'Whole project' },
    ],
  })
  scope!: string;
  @BooleanOption({ label: 'Notify' })
  notify!: boolean;
  @FrameRangeOption({ label: 'Frames' })
  frames!: string;
}

const DEFAULTS = { name: 'x', priority: 50, scope: 'selection', notify: true, frames: '' };

describe('option fields', () => {
  it('lists the fields in declaration order with their kinds', () => {
    expect(optionFieldsOf(SampleOptions).map((f) => [f.name, f.kind])).toEqual([
      ['name', 'text'],
      ['priority', 'number'],
      ['scope', 'select'],
      ['notify', 'boolean'],
      ['frames', 'frame-range'],
    ]);
  });

  it('fills missing JSON values with the defaults', () => {
    expect(checkOptions(SampleOptions, { priority: 80 }, DEFAULTS, 'json')).toEqual({
      values: { ...DEFAULTS, priority: 80 },
      problems: [],
    });
  });

  it('coerces form text: numbers, an unticked box, a spaced frame range', () => {
    const { values, problems } = checkOptions(
      SampleOptions,
      { name: ' Shots ', priority: '75', scope: 'project', frames: '1001 - 1100' },
      DEFAULTS,
      'form',
    );
    expect(problems).toEqual([]);
    expect(values).toEqual({
      name: 'Shots',
      priority: 75,
      scope: 'project',
      notify: false,
      frames: '1001-1100',
    });
  });

  it('names each refused field with its reason', () => {
    const { problems } = checkOptions(
      SampleOptions,
      {
        name: 'a\nb',
        priority: '500',
        scope: 'everything',
        notify: 'maybe',
        frames: '1100-1001',
        colour: 'red',
      },
      DEFAULTS,
      'form',
    );
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.reason]));
    expect(Object.keys(byField).sort()).toEqual(
      ['colour', 'frames', 'name', 'notify', 'priority', 'scope'].sort(),
    );
    expect(byField.priority).toMatch(/between 0 and 100/);
    expect(byField.scope).toMatch(/one of selection, project/);
    expect(byField.frames).toMatch(/first-last/);
    expect(byField.name).toMatch(/control characters/);
    expect(byField.colour).toMatch(/not an option/);
  });

  it('refuses what is not a number where a number goes', () => {
    for (const priority of ['1e3', '50; rm -rf /', '12.5', '-1', '$(id)', ' ', [1], { a: 1 }]) {
      const { problems } = checkOptions(SampleOptions, { priority }, DEFAULTS, 'json');
      expect(problems.map((p) => p.field)).toEqual(['priority']);
    }
  });

  it('parses frame ranges to numbers only', () => {
    expect(parseFrameRange('1001-1100')).toEqual({ frameIn: 1001, frameOut: 1100 });
    for (const bad of ['', '1100-1001', '1-2-3', '1001-1100; ls', '../1-2', '-5-10', '1-99999999'])
      expect(parseFrameRange(bad)).toBeNull();
  });
});

class NewKindOptions {
  @TextAreaOption({ label: 'Message', maxLength: 20 })
  message!: string;
  @MultiSelectOption({
    label: 'Departments',
    choices: [
      { value: 'anim', label: 'Animation' },
      { value: 'light', label: 'Lighting' },
      { value: 'comp', label: 'Compositing' },
    ],
    minCount: 1,
    maxCount: 2,
  })
  departments!: string[];
  @DateOption({ label: 'Due', minDate: '2026-01-01', maxDate: '2026-12-31' })
  due!: string;
  @DateOption({ label: 'Review day', optional: true })
  review!: string;
}

const NEW_DEFAULTS = { message: '', departments: ['anim'], due: '2026-06-01', review: '' };

describe('textarea, multi-select and date options', () => {
  const check = (given: Record<string, unknown>, source: 'form' | 'json') =>
    checkOptions(NewKindOptions, given, NEW_DEFAULTS, source);
  const reasons = (given: Record<string, unknown>, source: 'form' | 'json' = 'json') =>
    Object.fromEntries(check(given, source).problems.map((p) => [p.field, p.reason]));

  it('declares their kinds and bounds', () => {
    expect(optionFieldsOf(NewKindOptions)).toEqual([
      expect.objectContaining({ name: 'message', kind: 'textarea', maxLength: 20 }),
      expect.objectContaining({
        name: 'departments',
        kind: 'multi-select',
        minCount: 1,
        maxCount: 2,
      }),
      expect.objectContaining({ name: 'due', kind: 'date', minDate: '2026-01-01' }),
      expect.objectContaining({ name: 'review', kind: 'date', optional: true }),
    ]);
  });

  it('keeps line breaks (CR LF as LF) and refuses other control characters and overlong text', () => {
    expect(check({ message: 'one\r\ntwo\nthree' }, 'form').values.message).toBe('one\ntwo\nthree');
    expect(reasons({ message: 'a\tb' }).message).toMatch(
      /control characters other than line breaks/,
    );
    expect(reasons({ message: 'a\u001b[31m' }).message).toMatch(/control characters/);
    expect(reasons({ message: 'x'.repeat(21) }).message).toBe('must be at most 20 characters');
  });

  it('takes a multi-select as repeated form fields or a JSON array, in the order of the choices', () => {
    expect(check({ departments: ['comp', 'anim'] }, 'form').values.departments).toEqual([
      'anim',
      'comp',
    ]);
    expect(check({ departments: 'light' }, 'form').values.departments).toEqual(['light']);
    expect(check({ departments: ['light', 'anim'] }, 'json').values.departments).toEqual([
      'anim',
      'light',
    ]);
    // A form with nothing ticked sends nothing: an empty list (here too few).
    expect(reasons({}, 'form').departments).toBe('needs at least one value');
    // JSON leaving it out keeps the default.
    expect(check({}, 'json').values.departments).toEqual(['anim']);
  });

  it('refuses a multi-select that is not a list of known, distinct values within the count', () => {
    expect(reasons({ departments: 'anim' }).departments).toMatch(/must be a list of values/);
    expect(reasons({ departments: ['anim', 'fx'] }).departments).toMatch(
      /may only hold anim, light, comp/,
    );
    expect(reasons({ departments: ['anim', 'anim'] }).departments).toMatch(/twice/);
    expect(reasons({ departments: ['anim', 'light', 'comp'] }).departments).toBe(
      'takes at most 2 values',
    );
    expect(reasons({ departments: [] }).departments).toBe('needs at least one value');
    expect(reasons({ departments: [1] }).departments).toMatch(/may only hold/);
  });

  it('takes real calendar days within the bounds only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    for (const bad of [
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-1-5',
      '26-01-05',
      '2026-01-05T00:00',
    ])
      expect(isCalendarDate(bad)).toBe(false);
    expect(check({ due: '2026-02-28' }, 'json').problems).toEqual([]);
    expect(reasons({ due: '2026-02-30' }).due).toBe(
      'must be a date written YYYY-MM-DD, e.g. 2026-03-31',
    );
    expect(reasons({ due: '2025-12-31' }).due).toBe('must be 2026-01-01 or later');
    expect(reasons({ due: '2027-01-01' }).due).toBe('must be 2026-12-31 or earlier');
    expect(reasons({ due: '' }).due).toMatch(/^must be a date/);
    expect(reasons({ due: 20260101 }).due).toMatch(/^must be a date/);
    // An optional date may be empty.
    expect(check({ review: '' }, 'json').problems).toEqual([]);
    expect(reasons({ review: 'tomorrow' }).review).toBe(
      'must be a date written YYYY-MM-DD, e.g. 2026-03-31, or empty',
    );
    expect(() => DateOption({ label: 'x', minDate: '2026-02-30' })).toThrow(/not a date/);
  });

  it('describes them as JSON Schema for OpenAPI', () => {
    const schema = optionsJsonSchema(NewKindOptions) as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.properties.message).toMatchObject({ type: 'string', maxLength: 20 });
    expect(schema.properties.departments).toMatchObject({
      type: 'array',
      items: { type: 'string', enum: ['anim', 'light', 'comp'] },
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
    });
    expect(schema.properties.due).toMatchObject({ type: 'string', format: 'date' });
    expect(schema.properties.due.description).toMatch(/2026-01-01 to 2026-12-31/);
  });

  it('names on one line the options that differ from the defaults', () => {
    const values = {
      message: 'Please check\nthe\tcrowd shots before Friday, all of them',
      departments: ['anim', 'comp'],
      due: '2026-06-01',
      review: '',
    };
    expect(chosenOptionsLine(NewKindOptions, values, NEW_DEFAULTS)).toBe(
      'Options: message Please check the crowd shots before Fri…, departments Animation + Compositing',
    );
    expect(chosenOptionsLine(NewKindOptions, NEW_DEFAULTS, NEW_DEFAULTS)).toBeNull();
    // Defaults unknown (a job queued before they were kept): every option.
    expect(chosenOptionsLine(SampleOptions, DEFAULTS, undefined)).toBe(
      'Options: name x, priority 50, scope Selection, notify yes, frames empty',
    );
    expect(chosenOptionsLine(undefined, undefined, undefined)).toBeNull();
  });
});
