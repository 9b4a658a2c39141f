import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  validateSync,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type {
  ActionOptionsDeclaration,
  LiveChoicesContext,
  LiveChoicesProvider,
  OptionChoice,
  OptionValue,
  OptionValues,
} from './action.types';

/** The kinds of field an option form shows. */
export type OptionKind = 'text' | 'number' | 'select' | 'boolean' | 'frame-range';

/** One option as the form shows it and the validation reads it. */
export interface OptionField {
  name: string;
  kind: OptionKind;
  label: string;
  /** One line under the field, e.g. what an empty value means. */
  hint?: string;
  /** number: bounds (inclusive) and whether fractions are allowed. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** select: the values allowed, with their labels. */
  choices?: ReadonlyArray<{ value: string; label: string }>;
  /** text: length bounds. */
  minLength?: number;
  maxLength?: number;
  /**
   * The form step the field is asked in (1 when absent). A later step shows once the earlier ones
   * are valid, with their values kept, so its choices may depend on them.
   */
  step?: number;
  /** select: the choices are listed live (ActionOptionsDeclaration.liveChoices), not fixed. */
  live?: boolean;
  /** live select: the label of the empty value (what choosing nothing means), when allowed. */
  emptyLabel?: string;
}

/** Fields per option class, in declaration order. */
const FIELDS = new WeakMap<object, OptionField[]>();

function declare(field: OptionField, rules: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    if (typeof property !== 'string') throw new Error('Option names must be strings');
    const owner = target.constructor;
    const fields = FIELDS.get(owner) ?? [];
    FIELDS.set(owner, [...fields.filter((f) => f.name !== property), { ...field, name: property }]);
    for (const rule of rules) rule(target, property);
  };
}

type Described = Pick<OptionField, 'label' | 'hint' | 'step'>;

/** No control characters: option text may reach farm job names, logs and Zou. */
const PLAIN_TEXT = /^[^\p{Cc}]*$/u;

/** A line of text (control characters refused). */
export function TextOption(
  options: Described & { minLength?: number; maxLength: number },
): PropertyDecorator {
  return declare({ kind: 'text', name: '', ...options }, [
    IsString({ message: 'must be text' }),
    MaxLength(options.maxLength, { message: `must be at most ${options.maxLength} characters` }),
    MinLength(options.minLength ?? 0, {
      message:
        options.minLength === 1
          ? 'is required'
          : `must be at least ${options.minLength} characters`,
    }),
    Matches(PLAIN_TEXT, { message: 'must not contain control characters (line breaks, tabs)' }),
  ]);
}

/** A number between bounds; whole unless `integer: false`. */
export function NumberOption(
  options: Described & { min: number; max: number; integer?: boolean },
): PropertyDecorator {
  const integer = options.integer ?? true;
  const range = `between ${options.min} and ${options.max}`;
  return declare({ kind: 'number', name: '', ...options, integer }, [
    integer
      ? IsInt({ message: `must be a whole number ${range}` })
      : IsNumber(
          { allowNaN: false, allowInfinity: false },
          { message: `must be a number ${range}` },
        ),
    Min(options.min, { message: `must be ${range}` }),
    Max(options.max, { message: `must be ${range}` }),
  ]);
}

/** One of a fixed list of values. */
export function SelectOption(
  options: Described & { choices: ReadonlyArray<{ value: string; label: string }> },
): PropertyDecorator {
  const values = options.choices.map((choice) => choice.value);
  return declare({ kind: 'select', name: '', ...options }, [
    IsIn(values, { message: `must be one of ${values.join(', ')}` }),
  ]);
}

/** Longest value a live select takes (tag UUIDs, pool and task type names are far shorter). */
const MAX_LIVE_VALUE = 200;

/**
 * One of the choices a provider lists live when the form shows and again when it is submitted
 * (see ActionOptionsDeclaration.liveChoices); `emptyLabel` also allows the empty value, meaning
 * "none chosen" (e.g. the farm's default pool). Class-validator checks the shape; checkOptions,
 * given the lists, checks the value is listed.
 */
export function LiveSelectOption(options: Described & { emptyLabel?: string }): PropertyDecorator {
  return declare({ kind: 'select', name: '', ...options, live: true }, [
    IsString({ message: 'must be text' }),
    MaxLength(MAX_LIVE_VALUE, { message: `must be at most ${MAX_LIVE_VALUE} characters` }),
    Matches(PLAIN_TEXT, { message: 'must not contain control characters (line breaks, tabs)' }),
  ]);
}

/** Yes or no (a checkbox). */
export function BooleanOption(options: Described): PropertyDecorator {
  return declare({ kind: 'boolean', name: '', ...options }, [
    IsBoolean({ message: 'must be true or false' }),
  ]);
}

/** Largest frame number a range may name (seven digits, as farms count them). */
const MAX_FRAME = 9_999_999;
const FRAME_RANGE = /^(\d{1,7})-(\d{1,7})$/;

@ValidatorConstraint({ name: 'frameRange' })
class IsFrameRange implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === '') return true;
    return typeof value === 'string' && parseFrameRange(value) !== null;
  }
  defaultMessage(): string {
    return `must be empty or first-last, e.g. 1001-1100 (whole frames from 0 to ${MAX_FRAME}, first not after last)`;
  }
}

/** A frame range `first-last`, or empty for "the one Kitsu has". */
export function FrameRangeOption(options: Described): PropertyDecorator {
  return declare({ kind: 'frame-range', name: '', ...options }, [
    IsString({ message: 'must be text such as 1001-1100' }),
    Validate(IsFrameRange),
  ]);
}

/** `1001-1100` as numbers; null for anything else (empty included). */
export function parseFrameRange(value: string): { frameIn: number; frameOut: number } | null {
  const match = FRAME_RANGE.exec(value);
  if (!match) return null;
  const frameIn = Number(match[1]);
  const frameOut = Number(match[2]);
  return frameIn <= frameOut && frameOut <= MAX_FRAME ? { frameIn, frameOut } : null;
}

/** The option fields a class declares, in order. */
export function optionFieldsOf(schema: new () => object): OptionField[] {
  return FIELDS.get(schema) ?? [];
}

/** One problem with one option, named by the option. */
export interface OptionProblem {
  field: string;
  reason: string;
}

export interface CheckedOptions {
  values: OptionValues;
  problems: OptionProblem[];
}

/**
 * Where the values come from: a browser form (every value a string, an unticked box absent) or
 * JSON (typed values; a missing option keeps its default).
 */
export type OptionSource = 'form' | 'json';

/**
 * Checks options against their class: every declared field gets a value (given, else default),
 * coerced from form text where the kind says (numbers, yes/no), then validated by class-validator.
 * Names the class does not declare are problems, so a typo is never silently ignored.
 */
export function checkOptions(
  schema: new () => object,
  given: Record<string, unknown>,
  defaults: Partial<OptionValues>,
  source: OptionSource,
  live?: LiveChoiceLists,
): CheckedOptions {
  const fields = optionFieldsOf(schema);
  const problems: OptionProblem[] = [];
  const known = new Set(fields.map((field) => field.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      problems.push({
        field: name,
        reason: `is not an option of this action (options: ${[...known].join(', ') || 'none'})`,
      });
    }
  }
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const sent = Object.hasOwn(given, field.name);
    const raw = sent
      ? given[field.name]
      : source === 'form' && field.kind === 'boolean'
        ? false
        : defaults[field.name];
    values[field.name] = coerce(field, raw);
  }
  const instance = Object.assign(new schema(), values);
  for (const error of validateSync(instance, { forbidUnknownValues: false })) {
    const missing = values[error.property] === undefined;
    problems.push({
      field: error.property,
      reason: missing ? 'is required' : Object.values(error.constraints ?? {}).join('; '),
    });
  }
  if (live) problems.push(...liveProblems(fields, values, live, problems));
  return { values: values as OptionValues, problems };
}

/** The choices listed live per field, or why they could not be listed. */
export type LiveChoiceLists = Record<string, LiveChoices>;

export interface LiveChoices {
  choices: OptionChoice[];
  /** Why there is no list now (the farm or Kitsu did not answer): only the empty value passes. */
  unavailable?: string;
}

/** A live select's value must be one it listed (or empty, where the field allows it). */
function liveProblems(
  fields: OptionField[],
  values: Record<string, unknown>,
  live: LiveChoiceLists,
  already: OptionProblem[],
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  for (const field of fields.filter((f) => f.live)) {
    const value = values[field.name];
    if (typeof value !== 'string' || already.some((p) => p.field === field.name)) continue;
    if (value === '' && field.emptyLabel) continue;
    const list = live[field.name];
    if (!list) continue;
    if (list.unavailable) {
      problems.push({ field: field.name, reason: `cannot be checked now: ${list.unavailable}` });
    } else if (!list.choices.some((choice) => choice.value === value)) {
      const listed = list.choices.map((choice) => choice.label).join(', ');
      problems.push({
        field: field.name,
        reason: value
          ? `must be one of the choices listed now (${listed || 'none'})`
          : 'is required',
      });
    }
  }
  return problems;
}

/**
 * The live lists of a declaration's selects, each asked once, side by side; a provider that
 * throws gives an empty list and its reason (the form explains it, never a 5xx). `only` limits
 * the lists to some fields (those of the step shown).
 */
export async function listLiveChoices(
  declaration: ActionOptionsDeclaration,
  context: LiveChoicesContext,
  only?: ReadonlySet<string>,
): Promise<LiveChoiceLists> {
  const declared = Object.entries<LiveChoicesProvider | undefined>(declaration.liveChoices ?? {});
  const providers = declared.filter(([name, provider]) => provider && (!only || only.has(name)));
  const lists = await Promise.all(
    providers.map(async ([name, provider]): Promise<[string, LiveChoices]> => {
      try {
        return [name, { choices: await provider!(context) }];
      } catch (error) {
        return [name, { choices: [], unavailable: (error as Error).message || String(error) }];
      }
    }),
  );
  return Object.fromEntries(lists);
}

/** The highest step of a class's fields (1 for a one-step form). */
export function lastStepOf(fields: OptionField[]): number {
  return Math.max(1, ...fields.map((field) => field.step ?? 1));
}

/** Form text to the kind's type; anything else is left as it is for validation to refuse. */
function coerce(field: OptionField, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  switch (field.kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    case 'boolean':
      if (['on', 'true', '1', 'yes'].includes(text.toLowerCase())) return true;
      if (['', 'off', 'false', '0', 'no'].includes(text.toLowerCase())) return false;
      return text;
    case 'frame-range':
      // "1001 - 1100" as people type it.
      return text.replace(/\s*-\s*/, '-');
    default:
      return text;
  }
}

/** A value as the form shows it. */
export function formText(value: OptionValue | undefined): string {
  return value === undefined ? '' : String(value);
}

/**
 * Why a job's stored options cannot be used, or null: the worker checks them again before the
 * action runs (a job is data in Redis, not a promise). Jobs without options (queued before the
 * action had any, or by an action without) pass.
 */
export function storedOptionsRefusal(
  schema: (new () => object) | undefined,
  stored: unknown,
): string | null {
  if (stored === undefined) return null;
  if (!schema) return 'options refused: this action takes no options';
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) {
    return 'options refused: not an object of option values';
  }
  const { problems } = checkOptions(schema, stored as Record<string, unknown>, {}, 'json');
  return problems.length
    ? `options refused: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`
    : null;
}
