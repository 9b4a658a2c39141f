import { commandTemplateWords } from './shell-words';

/** Fields a farm command line may name, e.g. `blender -b "{scene}" -o "{output}" -s @#@ -e @#@ -a`. */
export const COMMAND_FIELDS = [
  'scene',
  'output',
  'output_dir',
  'name',
  'fps',
  'frame_in',
  'frame_out',
  'frames_per_task',
  'width',
  'height',
] as const;
export type CommandField = (typeof COMMAND_FIELDS)[number];

const FIELD = /\{([^{}]*)\}/g;

/** Names in `{...}` that are not command fields; checked at start-up so a typo never reaches the farm. */
export function unknownCommandFields(template: string): string[] {
  const known: readonly string[] = COMMAND_FIELDS;
  return [...template.matchAll(FIELD)]
    .map((match) => match[1])
    .filter((name) => !known.includes(name));
}

/**
 * The command's arguments for one job: the template is split into words first (see
 * shell-words.ts), then each word's `{field}`s are filled, so a value with blanks or quotes stays
 * one argument. A field without a value (e.g. no resolution) becomes empty.
 */
export function renderCommandArgs(
  template: string,
  values: Partial<Record<CommandField, string | number>>,
): string[] {
  return commandTemplateWords(template).map((word) =>
    word.replace(FIELD, (whole, name: string) => {
      if (!(COMMAND_FIELDS as readonly string[]).includes(name)) return whole;
      const value = values[name as CommandField];
      return value === undefined ? '' : String(value);
    }),
  );
}
