import { posix, win32 } from 'node:path';
import { hasControlCharacter } from '../../farms/farm-spec';

/** Fields a render template may name, e.g. `/prod/{project}/shots/{sequence}/{shot}/{shot}.blend`. */
export const RENDER_TEMPLATE_FIELDS = [
  'project',
  'project_code',
  'episode',
  'sequence',
  'shot',
  'asset',
  'entity',
  'task_type',
  'task',
  'task_id',
  'entity_id',
  'frame_in',
  'frame_out',
  'fps',
  'width',
  'height',
  'person',
  'login',
] as const;
export type RenderTemplateField = (typeof RENDER_TEMPLATE_FIELDS)[number];
export type RenderTemplateValues = Record<RenderTemplateField, string>;

const FIELD = /\{([^{}]*)\}/g;

/** Names used in a template that are not render fields (checked at start-up). */
export function unknownTemplateFields(template: string): string[] {
  const known: readonly string[] = RENDER_TEMPLATE_FIELDS;
  return [...template.matchAll(FIELD)].map((m) => m[1]).filter((name) => !known.includes(name));
}

/** Fills a template; empty fields leave no double spaces or separators behind in names. */
export function fillTemplate(template: string, values: RenderTemplateValues): string {
  return template.replace(FIELD, (_match, name: string) => values[name as RenderTemplateField]);
}

/** For job names: missing parts (no episode) must not leave doubled spaces. */
export function fillName(template: string, values: RenderTemplateValues): string {
  return fillTemplate(template, values).replace(/\s+/g, ' ').trim();
}

/** Fields the service formats itself from numbers; every other field comes from Kitsu's names and ids. */
const NUMBER_FIELDS: readonly RenderTemplateField[] = [
  'frame_in',
  'frame_out',
  'fps',
  'width',
  'height',
];

/** Fields filled from Kitsu's names and ids: the ones a hostile rename could reach. */
export const KITSU_NAME_FIELDS: readonly RenderTemplateField[] = RENDER_TEMPLATE_FIELDS.filter(
  (field) => !NUMBER_FIELDS.includes(field),
);

/** How a refusal names a field, e.g. "shot name". */
const FIELD_LABELS: Record<string, string> = {
  project: 'project name',
  project_code: 'project code',
  episode: 'episode name',
  sequence: 'sequence name',
  shot: 'shot name',
  asset: 'asset name',
  entity: 'entity name',
  task_type: 'task type name',
  task: 'task name',
  task_id: 'task id',
  entity_id: 'entity id',
  person: 'person name',
  login: 'login',
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

/** The render fields a template names, each once. */
export function templateFields(template: string): RenderTemplateField[] {
  const known: readonly string[] = RENDER_TEMPLATE_FIELDS;
  const names = [...template.matchAll(FIELD)].map((m) => m[1]).filter((n) => known.includes(n));
  return [...new Set(names)] as RenderTemplateField[];
}

/**
 * What keeps a Kitsu name from being one part of a path or one argument of a command (empty when
 * it can be). Names are refused, never rewritten: a quietly changed name would point at another
 * shot's files, and a person can rename the entity in Kitsu once told why.
 */
export function namePartProblems(value: string): string[] {
  const problems: string[] = [];
  if (hasControlCharacter(value)) problems.push('a control character');
  if (/[/\\]/.test(value)) problems.push('a path separator (/ or \\)');
  if (value.includes('..') || value === '.') problems.push('"." or ".."');
  if (/["'`]/.test(value)) problems.push('a quote');
  if (value.startsWith('-')) problems.push('a leading dash');
  return problems;
}

/** Windows templates (backslashes, no slashes) resolve as Windows paths, the rest as POSIX ones. */
function pathFlavourOf(template: string): typeof posix {
  return template.includes('\\') && !template.includes('/') ? win32 : posix;
}

/**
 * The literal directory a template starts with, up to its last separator before the first field:
 * `/prod/` for `/prod/{project}/shots/{shot}.blend`; '' for a template starting with a field.
 */
export function templateRoot(template: string): string {
  const firstField = template.search(FIELD);
  const literal = firstField < 0 ? template : template.slice(0, firstField);
  const cut = Math.max(literal.lastIndexOf('/'), literal.lastIndexOf('\\'));
  return cut < 0 ? '' : literal.slice(0, cut + 1);
}

/** Whether a filled path stays under its template's root once `.` and `..` are resolved. */
export function staysUnderRoot(template: string, path: string): boolean {
  const flavour = pathFlavourOf(template);
  const resolved = flavour.normalize(path);
  const root = templateRoot(template);
  if (root === '') {
    // A relative template stays relative and never climbs out of where the farm starts it.
    return (
      !flavour.isAbsolute(resolved) && resolved !== '..' && !resolved.startsWith(`..${flavour.sep}`)
    );
  }
  let base = flavour.normalize(root);
  if (!base.endsWith(flavour.sep)) base += flavour.sep;
  const fold = (text: string) => (flavour === win32 ? text.toLowerCase() : text);
  return fold(resolved).startsWith(fold(base)) || fold(`${resolved}${flavour.sep}`) === fold(base);
}
