import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
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
  type ValidationArguments,
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
export type OptionKind =
  'text' | 'textarea' | 'number' | 'select' | 'multi-select' | 'boolean' | 'date' | 'frame-range';

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
  /** select, multi-select: the values allowed, with their labels. */
  choices?: ReadonlyArray<{ value: string; label: string }>;
  /** text, textarea: length bounds. */
  minLength?: number;
  maxLength?: number;
  /** textarea: visible lines. */
  rows?: number;
  /** multi-select: how many values may be chosen (inclusive). */
  minCount?: number;
  maxCount?: number;
  /** multi-select: checkboxes, or a list (`<select multiple>`); by default checkboxes up to 8 choices. */
  display?: 'checkboxes' | 'list';
  /** date: earliest and latest day allowed (YYYY-MM-DD, inclusive). */
  minDate?: string;
  maxDate?: string;
  /** date: whether empty (no date) is allowed. */
  optional?: boolean;
  /**
   * The form step the field is asked in (1 when absent). A later step shows once the earlier ones
   * are valid, with their values kept, so its choices may depend on them.
   */
  step?: number;
  /** select: the choices are listed live (ActionOptionsDeclaration.liveChoices), not fixed. */
  live?: boolean;
  /** live select: the label of the empty value (what choosing nothing means), when allowed. */
  emptyLabel?: string;
  /**
   * What an empty value means (a text or frame range left empty), in a few words for the job
   * page and the Kitsu comment, e.g. "each shot's own, from Kitsu".
   */
  emptyMeans?: string;
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

type Described = Pick<OptionField, 'label' | 'hint' | 'step' | 'emptyMeans'>;

/** No control characters: option text may reach farm job names, logs and Zou. */
const PLAIN_TEXT = /^[^\p{Cc}]*$/u;

/** Text within its length bounds; a minimum of 1 reads "is required". */
function textLengthRules(options: { minLength?: number; maxLength: number }): PropertyDecorator[] {
  return [
    IsString({ message: 'must be text' }),
    MaxLength(options.maxLength, { message: `must be at most ${options.maxLength} characters` }),
    MinLength(options.minLength ?? 0, {
      message:
        options.minLength === 1
          ? 'is required'
          : `must be at least ${options.minLength} characters`,
    }),
  ];
}

/** A line of text (control characters refused). */
export function TextOption(
  options: Described & { minLength?: number; maxLength: number },
): PropertyDecorator {
  return declare({ kind: 'text', name: '', ...options }, [
    ...textLengthRules(options),
    Matches(PLAIN_TEXT, { message: 'must not contain control characters (line breaks, tabs)' }),
  ]);
}

/** Line breaks allowed; every other control character (tabs, escapes, NUL) refused. */
const MULTI_LINE_TEXT = /^(?:[^\p{Cc}]|\n)*$/u;

/** Several lines of text: line breaks kept (CR LF as LF), other control characters refused. */
export function TextAreaOption(
  options: Described & { minLength?: number; maxLength: number; rows?: number },
): PropertyDecorator {
  return declare({ kind: 'textarea', name: '', ...options }, [
    ...textLengthRules(options),
    Matches(MULTI_LINE_TEXT, {
      message: 'must not contain control characters other than line breaks (tabs, escapes)',
    }),
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

/** Several of a fixed list of values (none to all, unless counted): a JSON array, repeated form fields. */
export function MultiSelectOption(
  options: Described & {
    choices: ReadonlyArray<{ value: string; label: string }>;
    minCount?: number;
    maxCount?: number;
    display?: 'checkboxes' | 'list';
  },
): PropertyDecorator {
  const values = options.choices.map((choice) => choice.value);
  const minCount = options.minCount ?? 0;
  const maxCount = options.maxCount ?? values.length;
  return declare({ kind: 'multi-select', name: '', ...options, minCount, maxCount }, [
    IsArray({ message: 'must be a list of values, e.g. ["' + values[0] + '"]' }),
    IsIn(values, { each: true, message: `may only hold ${values.join(', ')}` }),
    ArrayUnique({ message: 'must not name a value twice' }),
    ArrayMinSize(minCount, {
      message: minCount === 1 ? 'needs at least one value' : `needs at least ${minCount} values`,
    }),
    ArrayMaxSize(maxCount, {
      message: maxCount === 1 ? 'takes at most one value' : `takes at most ${maxCount} values`,
    }),
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

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a day that exists, written YYYY-MM-DD (2026-02-30 does not exist). */
export function isCalendarDate(value: string): boolean {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** Why a date option's value is refused, or null: a real day, within the declared bounds. */
function dateProblem(value: unknown, field: Pick<OptionField, 'minDate' | 'maxDate' | 'optional'>) {
  if (value === '' && field.optional) return null;
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    return `must be a date written YYYY-MM-DD, e.g. 2026-03-31${field.optional ? ', or empty' : ''}`;
  }
  // YYYY-MM-DD strings sort as the days do.
  if (field.minDate && value < field.minDate) return `must be ${field.minDate} or later`;
  if (field.maxDate && value > field.maxDate) return `must be ${field.maxDate} or earlier`;
  return null;
}

@ValidatorConstraint({ name: 'calendarDate' })
class IsCalendarDateWithin implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return dateProblem(value, args.constraints[0] as OptionField) === null;
  }
  defaultMessage(args: ValidationArguments): string {
    return dateProblem(args.value, args.constraints[0] as OptionField) ?? 'must be a date';
  }
}

/** A calendar day `YYYY-MM-DD` (a date picker on the form), optionally between two days. */
export function DateOption(
  options: Described & { minDate?: string; maxDate?: string; optional?: boolean },
): PropertyDecorator {
  for (const bound of [options.minDate, options.maxDate]) {
    if (bound !== undefined && !isCalendarDate(bound)) {
      throw new Error(`DateOption bound "${bound}" is not a date written YYYY-MM-DD`);
    }
  }
  return declare({ kind: 'date', name: '', ...options }, [
    Validate(IsCalendarDateWithin, [options]),
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
  // A class extending another option class asks its parent's fields first, then its own.
  const parent: unknown = Object.getPrototypeOf(schema);
  const inherited =
    typeof parent === 'function' && parent !== Function.prototype
      ? optionFieldsOf(parent as new () => object)
      : [];
  const own = FIELDS.get(schema) ?? [];
  return [...inherited.filter((f) => !own.some((o) => o.name === f.name)), ...own];
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
    const raw = sent ? given[field.name] : absentValue(field, source, defaults[field.name]);
    values[field.name] = coerce(field, raw, source);
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

/**
 * A field a form post leaves out: an unticked box is no, a multi-select with nothing chosen is an
 * empty list (browsers send nothing for either). JSON leaves it out to keep the default.
 */
function absentValue(field: OptionField, source: OptionSource, fallback: unknown): unknown {
  if (source === 'form' && field.kind === 'boolean') return false;
  if (source === 'form' && field.kind === 'multi-select') return [];
  return fallback;
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

/**
 * The label of each live select's chosen value as its list showed it ("gpu-nodes" for a tag's
 * UUID), kept on the job so its page and comment need not ask the farm or Kitsu again.
 */
export function chosenLiveLabels(
  fields: OptionField[],
  values: Record<string, unknown>,
  live: LiveChoiceLists,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const field of fields.filter((f) => f.live)) {
    const value = values[field.name];
    if (typeof value !== 'string') continue;
    const label =
      value === ''
        ? field.emptyLabel
        : live[field.name]?.choices.find((choice) => choice.value === value)?.label;
    if (label) labels[field.name] = label;
  }
  return labels;
}

/** The highest step of a class's fields (1 for a one-step form). */
export function lastStepOf(fields: OptionField[]): number {
  return Math.max(1, ...fields.map((field) => field.step ?? 1));
}

/** Form text to the kind's type; anything else is left as it is for validation to refuse. */
function coerce(field: OptionField, raw: unknown, source: OptionSource): unknown {
  if (field.kind === 'multi-select') return coerceList(field, raw, source);
  // A repeated form field counts once, as its last value (as a browser would send it).
  if (source === 'form' && Array.isArray(raw)) raw = raw[raw.length - 1];
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
    case 'textarea':
      // Browsers send line breaks as CR LF: stored (and counted) as LF.
      return text.replace(/\r\n?/g, '\n');
    default:
      return text;
  }
}

/**
 * A multi-select's values: a form sends one field per chosen value (one value arrives as text);
 * JSON must send an array. Known values are put in the order of the choices, so the same choice
 * is the same job whatever order it was sent in.
 */
function coerceList(field: OptionField, raw: unknown, source: OptionSource): unknown {
  const list = source === 'form' && typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return list;
  const order = (field.choices ?? []).map((choice) => choice.value);
  const rank = (value: string) => (order.includes(value) ? order.indexOf(value) : order.length);
  return list.map((item) => item.trim()).sort((a, b) => rank(a) - rank(b));
}

/** A value as the form shows it. */
export function formText(value: OptionValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
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

/** Longest text an option shows in a one-line summary (a comment); longer text ends in "…". */
const SUMMARY_TEXT = 40;

/** One value as a person reads it in a line: yes/no, choice labels, text on one line. */
/** A fixed choice's label (the value itself when it is not among the field's choices). */
export function choiceLabelOf(field: OptionField | undefined, value: string): string {
  return field?.choices?.find((choice) => choice.value === value)?.label ?? value;
}

/** What leaving the field empty means, in words, when the field says. */
export function emptyValueText(field: OptionField | undefined): string | undefined {
  return field?.emptyMeans ?? field?.emptyLabel;
}

export function optionValueText(
  field: OptionField | undefined,
  value: OptionValue,
  chosenLabel?: string,
): string {
  const labelOf = (item: string) => chosenLabel ?? choiceLabelOf(field, item);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length ? value.map(labelOf).join(' + ') : 'none';
  if (value === '') return chosenLabel ?? emptyValueText(field) ?? 'empty';
  const text = labelOf(String(value)).replace(/\s+/g, ' ');
  return text.length > SUMMARY_TEXT ? `${text.slice(0, SUMMARY_TEXT - 1)}…` : text;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The options a person chose, on one line for a Kitsu comment: "Options: frame range 1001-1050,
 * priority 90". Only those that differ from the click's defaults when those are known (a job
 * queued before they were kept names every option); null when nothing differs.
 */
export function chosenOptionsLine(
  schema: (new () => object) | undefined,
  values: OptionValues | undefined,
  defaults: OptionValues | undefined,
  liveLabels: Record<string, string> = {},
): string | null {
  if (!values || typeof values !== 'object') return null;
  const fields = schema ? optionFieldsOf(schema) : [];
  const byName = new Map(fields.map((field) => [field.name, field]));
  const names = [...new Set([...fields.map((field) => field.name), ...Object.keys(values)])];
  const parts = names
    .filter((name) => Object.hasOwn(values, name))
    .filter((name) => !defaults || !sameValue(values[name], defaults[name]))
    .map((name) => {
      const field = byName.get(name);
      const text = optionValueText(field, values[name], liveLabels[name]);
      return `${(field?.label ?? name).toLowerCase()} ${text}`;
    });
  return parts.length ? `Options: ${parts.join(', ')}` : null;
}

/**
 * The JSON Schema (OpenAPI 3) of an action's options as a script sends them: each field with its
 * type and the bounds its decorator checks, under the field's label and hint.
 */
export function optionsJsonSchema(schema: new () => object): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const field of optionFieldsOf(schema)) {
    const days =
      field.minDate || field.maxDate
        ? `A day from ${field.minDate ?? 'any day'} to ${field.maxDate ?? 'any day'}`
        : '';
    const description = [field.label, field.hint, days].filter(Boolean).join('. ');
    properties[field.name] = { description, ...fieldJsonSchema(field) };
  }
  return { type: 'object', additionalProperties: false, properties };
}

function fieldJsonSchema(field: OptionField): Record<string, unknown> {
  const values = (field.choices ?? []).map((choice) => choice.value);
  const defined = (entries: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
  switch (field.kind) {
    case 'number':
      return {
        type: field.integer === false ? 'number' : 'integer',
        minimum: field.min,
        maximum: field.max,
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'select':
      return { type: 'string', ...(values.length ? { enum: values } : {}) };
    case 'multi-select':
      return defined({
        type: 'array',
        items: { type: 'string', ...(values.length ? { enum: values } : {}) },
        uniqueItems: true,
        minItems: field.minCount,
        maxItems: field.maxCount,
      });
    case 'date':
      return defined({
        type: 'string',
        // A pattern, not format: date, where empty (no date) is allowed too.
        ...(field.optional ? { pattern: '^(\\d{4}-\\d{2}-\\d{2})?$' } : { format: 'date' }),
        example: field.minDate ?? '2026-03-31',
      });
    case 'frame-range':
      return { type: 'string', pattern: '^(\\d{1,7}-\\d{1,7})?$', example: '1001-1100' };
    default:
      return defined({ type: 'string', minLength: field.minLength, maxLength: field.maxLength });
  }
}
