import { FarmError } from './farm.errors';
import type { FarmJobSpec } from './farm.types';

/**
 * Refuses a spec no farm could render, before any call: these are bugs or bad data upstream,
 * so the error is permanent and says which field is wrong.
 */
export function checkFarmJobSpec(farm: string, spec: FarmJobSpec): void {
  const problems: string[] = [];
  if (!spec.name?.trim()) problems.push('name is empty');
  for (const [key, value] of Object.entries(spec.kitsu ?? {})) {
    if (typeof value !== 'string' || !value) problems.push(`kitsu.${key} is empty`);
  }
  if (!spec.submitter?.login?.trim()) problems.push('submitter.login is empty');
  if (!Number.isInteger(spec.frameIn) || !Number.isInteger(spec.frameOut)) {
    problems.push(`frames ${spec.frameIn}-${spec.frameOut} are not whole numbers`);
  } else if (spec.frameIn > spec.frameOut) {
    problems.push(`frame in ${spec.frameIn} is after frame out ${spec.frameOut}`);
  }
  if (!Number.isInteger(spec.framesPerTask) || spec.framesPerTask < 1) {
    problems.push(`framesPerTask ${spec.framesPerTask} is not a whole number of at least 1`);
  }
  if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 100) {
    problems.push(`priority ${spec.priority} is not a whole number from 0 to 100`);
  }
  if (!(spec.fps > 0)) problems.push(`fps ${spec.fps} is not positive`);
  if (!spec.scenePath?.trim()) problems.push('scenePath is empty');
  if (!spec.outputPath?.trim()) problems.push('outputPath is empty');
  if (spec.commandArgs !== undefined) {
    if (!Array.isArray(spec.commandArgs) || spec.commandArgs.length === 0) {
      problems.push('commandArgs is empty');
    } else if (spec.commandArgs.some((argument) => typeof argument !== 'string')) {
      problems.push('commandArgs holds something other than text');
    }
  }
  for (const [field, value] of textFieldsOf(spec)) {
    if (hasControlCharacter(value)) problems.push(`${field} contains a control character`);
  }
  for (const field of ['scenePath', 'outputPath'] as const) {
    const problem = typeof spec[field] === 'string' ? pathProblem(spec[field]) : null;
    if (problem) problems.push(`${field} ${problem}`);
  }
  if (problems.length > 0) {
    throw new FarmError(farm, 'submit', 'rejected', `invalid job: ${problems.join('; ')}`);
  }
}

/**
 * C0 and C1 control characters and Unicode line breaks. No name or path wants them, and
 * line-based formats (Deadline job info files, farm logs) would read a line break as a new entry.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/**
 * Why a path must not reach a farm, or null. The render action builds paths from checked names
 * and keeps them under their template's root; this is the adapters' own last check for any caller.
 */
export function pathProblem(path: string): string | null {
  if (path.split(/[\\/]/).includes('..')) return 'has a ".." segment';
  if (/["'`]/.test(path)) return 'contains a quote';
  return null;
}

/** Every text of a spec that a farm stores, shows or runs, named as in error messages. */
function textFieldsOf(spec: FarmJobSpec): Array<[string, string]> {
  const fields: Array<[string, unknown]> = [
    ['name', spec.name],
    ['project', spec.project],
    ['batch', spec.batch],
    ['submitter.name', spec.submitter?.name],
    ['submitter.login', spec.submitter?.login],
    ['submitter.email', spec.submitter?.email],
    ['scenePath', spec.scenePath],
    ['outputPath', spec.outputPath],
    ['placement.value', spec.placement?.value],
    ...Object.entries(spec.metadata ?? {}).flatMap(([key, value]): Array<[string, unknown]> => [
      ['a metadata key', key],
      [`metadata ${key}`, value],
    ]),
    ...Object.entries(spec.extra ?? {}).map(([key, value]): [string, unknown] => [
      `extra ${key}`,
      value,
    ]),
    ...(Array.isArray(spec.commandArgs) ? spec.commandArgs : []).map(
      (argument, index): [string, unknown] => [`commandArgs[${index}]`, argument],
    ),
  ];
  return fields.filter((field): field is [string, string] => typeof field[1] === 'string');
}

/** Flamenco and Deadline frame lists: `1001-1100`, or `1001` for a single frame. */
export function frameRange(frameIn: number, frameOut: number): string {
  return frameIn === frameOut ? String(frameIn) : `${frameIn}-${frameOut}`;
}

/** The Kitsu ids as flat metadata keys, the same on every farm. */
export function kitsuMetadata(spec: FarmJobSpec): Record<string, string> {
  return {
    'kitsu.task_id': spec.kitsu.taskId,
    'kitsu.entity_id': spec.kitsu.entityId,
    'kitsu.project_id': spec.kitsu.projectId,
    'kitsu.person_id': spec.kitsu.personId,
  };
}

/** Windows paths keep their separator; everything else uses `/`. */
function separatorOf(path: string): string {
  return path.includes('\\') && !path.includes('/') ? '\\' : '/';
}

export function directoryOf(path: string): string {
  const separator = separatorOf(path);
  const trimmed = path.replace(/[\\/]+$/, '');
  const index = trimmed.lastIndexOf(separator);
  if (index < 0) return '.';
  return index === 0 ? separator : trimmed.slice(0, index);
}

export function baseNameOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.slice(trimmed.lastIndexOf(separatorOf(trimmed)) + 1);
}

/**
 * A frame path that ends in `#`s, as Blender and Flamenco want it: a directory gets `######`
 * appended, and `shot.####.exr` loses its extension (Blender adds the format's own).
 */
export function hashedOutputPath(outputPath: string): string {
  if (!outputPath.includes('#')) {
    return `${outputPath.replace(/[\\/]+$/, '')}${separatorOf(outputPath)}######`;
  }
  const withoutExtension = outputPath.replace(/(#+)\.[A-Za-z0-9]+$/, '$1');
  return withoutExtension;
}

/** The chosen placement's value when it is of this kind (an adapter's own kinds only). */
export function placementOf(spec: FarmJobSpec, kind: string): string | undefined {
  return spec.placement?.kind === kind && spec.placement.value ? spec.placement.value : undefined;
}
