/** Fields a launcher template may use, one value per selected task. */
export const TASK_FIELDS = [
  'project',
  'project_id',
  'episode',
  'episode_id',
  'sequence',
  'sequence_id',
  'shot',
  'asset',
  'entity',
  'entity_id',
  'entity_type',
  'task_type',
  'task_type_id',
  'task',
  'task_id',
  'task_status',
  'frame_in',
  'frame_out',
  'preview_file_id',
  'preview_url',
  'kitsu_url',
  'person_email',
  'working_file',
] as const;

/**
 * Fields joined over the whole selection in order (each value encoded, joined with an encoded
 * space); a template using one gives a single URL for the selection, e.g. a player playlist.
 */
export const SELECTION_FIELDS = ['preview_urls', 'preview_file_ids', 'task_ids'] as const;

export type TaskField = (typeof TASK_FIELDS)[number];
export type SelectionField = (typeof SELECTION_FIELDS)[number];
export type TaskValues = Record<TaskField, string>;

const FIELD_PATTERN = /\{([a-z_]+)\}/g;
const KNOWN = new Set<string>([...TASK_FIELDS, ...SELECTION_FIELDS]);

export interface CompiledTemplate {
  template: string;
  scheme: string;
  fields: string[];
  /** True when the template uses a selection field: one URL for the whole selection. */
  perSelection: boolean;
}

/** The scheme a URL or template starts with, lower-cased, or null when it starts otherwise. */
export function schemeOf(url: string): string | null {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return match ? match[1].toLowerCase() : null;
}

/**
 * Checks a URL template at start-up: its scheme must be literal and allowed, and every field
 * known; problems are returned as sentences naming the launcher.
 */
export function compileUrlTemplate(
  launcher: string,
  template: string,
  allowedSchemes: readonly string[],
): { compiled: CompiledTemplate | null; problems: string[] } {
  const problems: string[] = [];
  const fields = [...template.matchAll(FIELD_PATTERN)].map((m) => m[1]);
  for (const field of fields) {
    if (!KNOWN.has(field)) problems.push(`launcher "${launcher}": unknown field {${field}}`);
  }
  const scheme = schemeOf(template);
  if (!scheme) {
    problems.push(`launcher "${launcher}": the URL must start with a literal scheme (e.g. https:)`);
  } else if (!allowedSchemes.includes(scheme)) {
    problems.push(
      `launcher "${launcher}": scheme "${scheme}:" is not in LAUNCH_SCHEMES (${allowedSchemes.join(',')})`,
    );
  }
  if (problems.length) return { compiled: null, problems };
  const perSelection = fields.some((f) => (SELECTION_FIELDS as readonly string[]).includes(f));
  return { compiled: { template, scheme: scheme!, fields, perSelection }, problems };
}

/** Fields a path template may use: every task field but the path itself. */
export function checkPathTemplate(launcher: string, template: string): string[] {
  return [...template.matchAll(FIELD_PATTERN)]
    .map((m) => m[1])
    .filter(
      (field) => field === 'working_file' || !(TASK_FIELDS as readonly string[]).includes(field),
    )
    .map((field) => `launcher "${launcher}": unknown field {${field}} in pathTemplate`);
}

/**
 * Fills a path template; separators and dots in names are neutralised so a name cannot leave
 * the folder the template meant.
 */
export function fillPathTemplate(template: string, values: Partial<TaskValues>): string {
  return template.replace(FIELD_PATTERN, (_, field: string) =>
    (values[field as TaskField] ?? '').replace(/[/\\]/g, '_').replace(/\.\./g, '_'),
  );
}

/**
 * RV's "fully-baked" rvlink: `rvlink://baked/` then the RV command line hex-encoded (UTF-8), the
 * form RV documents for browsers that mangle `rvlink:// -l -play …` (Chromium refuses it).
 */
const RV_BAKED_PREFIX = 'rvlink://baked/';

/**
 * Fills a URL template, every value URL-encoded so no name can change the URL's structure. A
 * template starting with `rvlink://baked/` is an RV command line: it is filled with the plain
 * values (a selection field gives its values separated by spaces, as RV takes them) and then
 * hex-encoded whole, so no value can change the URL either.
 */
export function fillUrlTemplate(
  compiled: CompiledTemplate,
  task: Partial<TaskValues>,
  selection: Record<SelectionField, string[]>,
): string {
  if (compiled.template.toLowerCase().startsWith(RV_BAKED_PREFIX)) {
    const commandLine = compiled.template
      .slice(RV_BAKED_PREFIX.length)
      .replace(FIELD_PATTERN, (_, field: string) =>
        (SELECTION_FIELDS as readonly string[]).includes(field)
          ? selection[field as SelectionField].join(' ')
          : (task[field as TaskField] ?? ''),
      );
    return RV_BAKED_PREFIX + Buffer.from(commandLine, 'utf8').toString('hex');
  }
  return compiled.template.replace(FIELD_PATTERN, (_, field: string) => {
    if ((SELECTION_FIELDS as readonly string[]).includes(field)) {
      return selection[field as SelectionField].map(encodeURIComponent).join('%20');
    }
    return encodeURIComponent(task[field as TaskField] ?? '');
  });
}
