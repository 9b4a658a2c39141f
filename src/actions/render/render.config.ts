import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { ConfigError, toInt, validateEnv } from '../../config/validate-env';
import { commandTemplateWords } from '../../farms/shell-words';
import { unknownTemplateFields, RENDER_TEMPLATE_FIELDS } from './render-template';

/** Render action settings (the farm itself is chosen by RENDER_FARM in src/farms). */
export class RenderConfig {
  @IsString()
  @MinLength(1)
  RENDER_SCENE_TEMPLATE = '/prod/{project}/shots/{sequence}/{shot}/{task_type}/{shot}.blend';

  @IsString()
  @MinLength(1)
  RENDER_OUTPUT_TEMPLATE = '/render/{project}/{sequence}/{shot}/{task_type}/{shot}.####';

  @IsString()
  @MinLength(1)
  RENDER_JOB_NAME_TEMPLATE = '{project} {episode} {sequence} {shot} {task_type}';

  /** Command line for command-line farms (Afanasy); `@#@` stands for the frame numbers. */
  @IsString()
  @MinLength(1)
  RENDER_COMMAND_TEMPLATE = 'blender -b "{scene}" -o "{output}" -s @#@ -e @#@ -a';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  RENDER_PRIORITY = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  RENDER_FRAMES_PER_TASK = 10;

  /** Task status short name set when submitted (e.g. `wip`); unset leaves the status. */
  @IsOptional()
  @IsString()
  RENDER_STATUS_ON_SUBMIT?: string;

  @IsOptional()
  @IsString()
  RENDER_STATUS_ON_DONE?: string;

  /** `none` (or unset) keeps the status when a render fails. */
  @IsOptional()
  @IsString()
  RENDER_STATUS_ON_FAIL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  RENDER_TRACK_INTERVAL_MS = 30000;

  /** Polls before tracking gives up (a day at the default interval). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RENDER_TRACK_MAX_POLLS = 2880;

  /** `off`: submit only, no polling (for farms followed elsewhere). */
  @IsIn(['on', 'off'])
  RENDER_TRACKING = 'on';

  /** Tasks submitted and commented at once within one render job. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  RENDER_PARALLEL = 4;
}

const TEMPLATE_VARS = [
  'RENDER_SCENE_TEMPLATE',
  'RENDER_OUTPUT_TEMPLATE',
  'RENDER_JOB_NAME_TEMPLATE',
] as const;

/** Validates the variables and every template's field names; a bad one fails start-up by name. */
export function loadRenderConfig(env: Record<string, string | undefined>): RenderConfig {
  const config = validateEnv(RenderConfig, env);
  const problems: string[] = [];
  for (const name of TEMPLATE_VARS) {
    const unknown = unknownTemplateFields(config[name]);
    if (unknown.length) {
      problems.push(
        `${name}: unknown field(s) ${unknown.map((f) => `{${f}}`).join(', ')} ` +
          `(known: ${RENDER_TEMPLATE_FIELDS.join(', ')})`,
      );
    }
  }
  const commandUnknown = unknownTemplateFields(config.RENDER_COMMAND_TEMPLATE).filter(
    (f) => f !== 'scene' && f !== 'output',
  );
  if (commandUnknown.length) {
    problems.push(`RENDER_COMMAND_TEMPLATE: unknown field(s) ${commandUnknown.join(', ')}`);
  }
  try {
    commandTemplateWords(config.RENDER_COMMAND_TEMPLATE);
  } catch (error) {
    problems.push(`RENDER_COMMAND_TEMPLATE: ${(error as Error).message}`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
