import {
  BooleanOption,
  checkOptions,
  FrameRangeOption,
  NumberOption,
  optionFieldsOf,
  parseFrameRange,
  SelectOption,
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
