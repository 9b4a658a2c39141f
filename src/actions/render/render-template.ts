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
