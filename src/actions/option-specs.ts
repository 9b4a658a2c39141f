import type { ActionOptionsDeclaration, OptionValue } from './action.types';
import {
  BooleanOption,
  checkOptions,
  DateOption,
  FrameRangeOption,
  isCalendarDate,
  MultiSelectOption,
  NumberOption,
  SelectOption,
  TextAreaOption,
  TextOption,
  type OptionKind,
} from './option-fields';

/**
 * Option fields declared in JSON configuration (a forwarder's `options`) rather than with
 * decorators on a class: each is checked here, then the same decorators are applied to a class
 * made for it, so intake, the form and the worker validate it exactly as an action's own options.
 */

/** Keys every field may carry, whatever its kind. */
const COMMON_KEYS = ['name', 'kind', 'label', 'hint', 'default'] as const;
/** At most this many fields per declaration: a form, not a database. */
export const MAX_OPTION_SPECS = 20;
/** A text field without `maxLength` takes at most this many characters. */
export const DEFAULT_TEXT_MAX_LENGTH = 200;
const MAX_TEXT_LENGTH = 10_000;
const MAX_CHOICES = 100;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const NO_CONTROL = /^[^\p{Cc}]*$/u;

type Spec = Record<string, unknown>;

/** What a kind adds: its own keys, its decorator, and the value a field without `default` has. */
interface KindParser {
  keys: readonly string[];
  /** The decorator and fallback default, or the problems with the kind's keys. */
  parse(spec: Spec, label: string, hint: string | undefined): Built | string[];
}

interface Built {
  decorator: PropertyDecorator;
  fallback: OptionValue;
}

const described = (label: string, hint: string | undefined) => ({
  label,
  ...(hint ? { hint } : {}),
});

const isWhole = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * One parser per kind the form knows. Typed over every OptionKind, so a kind added to
 * option-fields.ts does not compile until it can be declared in JSON too.
 */
const KINDS: Record<OptionKind, KindParser> = {
  text: {
    keys: ['minLength', 'maxLength'],
    parse(spec, label, hint) {
      const lengths = lengthsOf(spec);
      if (typeof lengths === 'string') return [lengths];
      return {
        decorator: TextOption({ ...described(label, hint), ...lengths }),
        fallback: '',
      };
    },
  },
  number: {
    keys: ['min', 'max', 'integer'],
    parse(spec, label, hint) {
      const { min, max } = spec;
      const integer = spec.integer ?? true;
      const problems: string[] = [];
      if (typeof min !== 'number' || !Number.isFinite(min)) problems.push('min must be a number');
      if (typeof max !== 'number' || !Number.isFinite(max)) problems.push('max must be a number');
      if (typeof integer !== 'boolean') problems.push('integer must be true or false');
      if (problems.length) return problems;
      if ((min as number) > (max as number)) return ['min must not be above max'];
      if (integer && !(Number.isInteger(min) && Number.isInteger(max))) {
        return ['min and max must be whole numbers (or set "integer": false)'];
      }
      const bounds = { min: min as number, max: max as number, integer: integer as boolean };
      return {
        decorator: NumberOption({ ...described(label, hint), ...bounds }),
        fallback: bounds.min,
      };
    },
  },
  select: {
    keys: ['choices'],
    parse(spec, label, hint) {
      const choices = choicesOf(spec.choices);
      if (typeof choices === 'string') return [choices];
      return {
        decorator: SelectOption({ ...described(label, hint), choices }),
        fallback: choices[0].value,
      };
    },
  },
  boolean: {
    keys: [],
    parse: (_spec, label, hint) => ({
      decorator: BooleanOption(described(label, hint)),
      fallback: false,
    }),
  },
  'frame-range': {
    keys: [],
    parse: (_spec, label, hint) => ({
      decorator: FrameRangeOption(described(label, hint)),
      fallback: '',
    }),
  },
  textarea: {
    keys: ['minLength', 'maxLength', 'rows'],
    parse(spec, label, hint) {
      const lengths = lengthsOf(spec);
      if (typeof lengths === 'string') return [lengths];
      const rows = spec.rows ?? 4;
      if (!isWhole(rows, 1, 40)) return ['rows must be a whole number from 1 to 40'];
      return {
        decorator: TextAreaOption({ ...described(label, hint), ...lengths, rows }),
        fallback: '',
      };
    },
  },
  'multi-select': {
    keys: ['choices', 'minCount', 'maxCount'],
    parse(spec, label, hint) {
      const choices = choicesOf(spec.choices);
      if (typeof choices === 'string') return [choices];
      const minCount = spec.minCount ?? 0;
      const maxCount = spec.maxCount ?? choices.length;
      if (!isWhole(maxCount, 1, choices.length)) {
        return [
          `maxCount must be a whole number from 1 to the number of choices (${choices.length})`,
        ];
      }
      if (!isWhole(minCount, 0, maxCount)) {
        return [`minCount must be a whole number from 0 to maxCount (${maxCount})`];
      }
      return {
        decorator: MultiSelectOption({ ...described(label, hint), choices, minCount, maxCount }),
        fallback: choices.slice(0, minCount).map((choice) => choice.value),
      };
    },
  },
  date: {
    keys: ['minDate', 'maxDate', 'optional'],
    parse(spec, label, hint) {
      const { minDate, maxDate } = spec;
      const optional = spec.optional ?? true;
      const problems = [minDate, maxDate].flatMap((bound, i) =>
        bound === undefined || (typeof bound === 'string' && isCalendarDate(bound))
          ? []
          : [`${i ? 'maxDate' : 'minDate'} must be a date written YYYY-MM-DD`],
      );
      if (typeof optional !== 'boolean') problems.push('optional must be true or false');
      if (optional === false && spec.default === undefined) {
        problems.push('a date with "optional": false needs a "default"');
      }
      if (problems.length) return problems;
      if (
        minDate !== undefined &&
        maxDate !== undefined &&
        (minDate as string) > (maxDate as string)
      ) {
        return ['minDate must not be after maxDate'];
      }
      const bounds = {
        ...(minDate === undefined ? {} : { minDate: minDate as string }),
        ...(maxDate === undefined ? {} : { maxDate: maxDate as string }),
      };
      return {
        decorator: DateOption({
          ...described(label, hint),
          ...bounds,
          optional: optional as boolean,
        }),
        // Without a default an optional date is empty; a required one must be given a default.
        fallback: '',
      };
    },
  },
};

/** A text kind's length bounds: maxLength (default DEFAULT_TEXT_MAX_LENGTH) and minLength. */
function lengthsOf(spec: Spec): { minLength: number; maxLength: number } | string {
  const maxLength = spec.maxLength ?? DEFAULT_TEXT_MAX_LENGTH;
  const minLength = spec.minLength ?? 0;
  if (!isWhole(maxLength, 1, MAX_TEXT_LENGTH)) {
    return `maxLength must be a whole number from 1 to ${MAX_TEXT_LENGTH}`;
  }
  if (!isWhole(minLength, 0, maxLength)) {
    return `minLength must be a whole number from 0 to maxLength (${maxLength})`;
  }
  return { minLength, maxLength };
}

/** `["hd", "4k"]` or `[{"value": "hd", "label": "HD"}]`; the reason when neither. */
function choicesOf(raw: unknown): Array<{ value: string; label: string }> | string {
  const expected = `choices must be a list of 1 to ${MAX_CHOICES} values (text, or {"value", "label"})`;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_CHOICES) return expected;
  const choices: Array<{ value: string; label: string }> = [];
  for (const item of raw) {
    const { value, label } = (
      typeof item === 'string' ? { value: item, label: item } : (item ?? {})
    ) as Spec;
    const text = (v: unknown) => typeof v === 'string' && v.length > 0 && NO_CONTROL.test(v);
    if (!text(value) || !(label === undefined || text(label))) return expected;
    if (choices.some((c) => c.value === value))
      return `choices: "${String(value)}" is listed twice`;
    choices.push({
      value: value as string,
      label: (label as string | undefined) ?? (value as string),
    });
  }
  return choices;
}

/** The checks every field gets: its name, kind, label, hint and keys. */
function commonProblems(spec: Spec, parser: KindParser | undefined): string[] {
  const problems: string[] = [];
  if (!parser) {
    problems.push(`kind must be one of ${Object.keys(KINDS).join(', ')}`);
    return problems;
  }
  const known = new Set<string>([...COMMON_KEYS, ...parser.keys]);
  const unknown = Object.keys(spec).filter((key) => !known.has(key));
  if (unknown.length) {
    problems.push(`unknown key(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
  const text = (v: unknown, max: number) =>
    typeof v === 'string' && v.trim().length > 0 && v.length <= max && NO_CONTROL.test(v);
  if (spec.label !== undefined && !text(spec.label, 100)) {
    problems.push('label must be text of 1 to 100 characters');
  }
  if (spec.hint !== undefined && !text(spec.hint, 300)) {
    problems.push('hint must be text of 1 to 300 characters');
  }
  return problems;
}

export interface ParsedOptionSpecs {
  /** null when no field is declared (or a problem was found). */
  declaration: ActionOptionsDeclaration | null;
  /** Each reason names the field: `option "note": maxLength must be …`, or `options[2]: …`. */
  problems: string[];
}

/**
 * Reads a list of field declarations, as a forwarder's `options` holds them. Every problem is
 * found and named (the field, the key, the reason); an explicit `default` is validated by the
 * field's own rules, so a bad default stops start-up rather than every click.
 */
export function parseOptionSpecs(raw: unknown): ParsedOptionSpecs {
  if (raw === undefined) return { declaration: null, problems: [] };
  if (!Array.isArray(raw) || raw.length > MAX_OPTION_SPECS) {
    return {
      declaration: null,
      problems: [`options must be a list of at most ${MAX_OPTION_SPECS} fields`],
    };
  }
  const schema = class DeclaredOptions {};
  const problems: string[] = [];
  const fallbacks: Record<string, OptionValue> = {};
  const explicit: Record<string, unknown> = {};
  for (const [index, item] of raw.entries()) {
    const spec = (item && typeof item === 'object' && !Array.isArray(item) ? item : {}) as Spec;
    const name = spec.name;
    if (typeof name !== 'string' || !FIELD_NAME.test(name) || name in Object.prototype) {
      problems.push(
        `options[${index}]: name must be a letter then letters, digits or _ (at most 40)`,
      );
      continue;
    }
    const where = `option "${name}"`;
    if (Object.hasOwn(fallbacks, name)) {
      problems.push(`${where}: declared twice`);
      continue;
    }
    const kind = String(spec.kind);
    // Own keys only: `"kind": "constructor"` must not find Object's.
    const parser = Object.hasOwn(KINDS, kind) ? KINDS[kind as OptionKind] : undefined;
    const built = buildField(spec, parser);
    if (Array.isArray(built)) {
      problems.push(...built.map((reason) => `${where}: ${reason}`));
      continue;
    }
    built.decorator(schema.prototype, name);
    fallbacks[name] = built.fallback;
    if (spec.default !== undefined) explicit[name] = spec.default;
  }
  const checked = checkDefaults(schema, explicit, fallbacks);
  problems.push(...checked.problems);
  if (problems.length || !Object.keys(fallbacks).length) return { declaration: null, problems };
  const defaults = checked.values;
  return { declaration: { schema, defaults: () => Promise.resolve({ ...defaults }) }, problems };
}

function buildField(spec: Spec, parser: KindParser | undefined): Built | string[] {
  const problems = commonProblems(spec, parser);
  if (!parser || problems.length) return problems;
  const label = typeof spec.label === 'string' ? spec.label : (spec.name as string);
  return parser.parse(spec, label, spec.hint as string | undefined);
}

/**
 * Each explicit default checked as a JSON value of its field would be; the defaults to use (as
 * validation read them, e.g. "5" for a number is 5) and the problems.
 */
function checkDefaults(
  schema: new () => object,
  explicit: Record<string, unknown>,
  fallbacks: Record<string, OptionValue>,
): { values: Record<string, OptionValue>; problems: string[] } {
  const { values, problems } = checkOptions(schema, explicit, fallbacks, 'json');
  return {
    values: { ...fallbacks, ...values },
    problems: problems
      .filter((problem) => Object.hasOwn(explicit, problem.field))
      .map((problem) => `option "${problem.field}": default ${problem.reason}`),
  };
}
