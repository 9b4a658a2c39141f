import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toInt, validateEnv } from '../config/validate-env';
import { COMMAND_FIELDS, unknownCommandFields } from './command-template';
import { FARM_ADAPTERS, farmKinds } from './farm.registry';
import { commandTemplateWords } from './shell-words';

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Which render farm the render action submits to, and how to reach it. */
export class FarmConfig {
  /** A key of the adapter registry (farm.registry.ts). */
  @IsIn(farmKinds(), { message: `one of ${farmKinds().join(', ')}` })
  RENDER_FARM = 'dry-run';

  /** Flamenco Manager root, e.g. http://flamenco-manager:8080 (the API is under /api/v3). */
  @IsOptional()
  @IsUrl(HTTP_URL)
  FLAMENCO_URL?: string;

  @IsString()
  @MinLength(1)
  FLAMENCO_JOB_TYPE = 'simple-blender-render';

  /** Lower-case Go GOOS of the paths we send (linux, windows, darwin), or `manager`. */
  @Matches(/^[a-z0-9]+$/, { message: 'a lower-case platform such as linux, windows, darwin' })
  FLAMENCO_SUBMITTER_PLATFORM = 'linux';

  /** Only Workers with this tag render our jobs (Flamenco takes the tag's UUID). */
  @IsOptional()
  @IsString()
  FLAMENCO_WORKER_TAG?: string;

  /** afserver's HTTP address, e.g. http://afserver:51000. */
  @IsOptional()
  @IsUrl(HTTP_URL)
  AFANASY_URL?: string;

  @IsString()
  @MinLength(1)
  AFANASY_SERVICE = 'blender';

  /** Overrides the frames per task the render action asks for. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  AFANASY_FRAMES_PER_TASK?: number;

  /** Each task's command; Afanasy puts its first and last frame in place of the `@#@`s. */
  @Matches(/@#@/, { message: 'must contain @#@ where Afanasy puts the frame numbers' })
  AFANASY_COMMAND = 'blender -b "{scene}" -o "{output}" -s @#@ -e @#@ -a';

  /** Deadline Web Service, e.g. http://deadline-web:8082. */
  @IsOptional()
  @IsUrl(HTTP_URL)
  DEADLINE_URL?: string;

  @IsOptional()
  @IsString()
  DEADLINE_USER?: string;

  @IsOptional()
  @IsString()
  DEADLINE_PASSWORD?: string;

  @IsString()
  @MinLength(1)
  DEADLINE_PLUGIN = 'Blender';

  @IsOptional()
  @IsString()
  DEADLINE_POOL?: string;

  @IsOptional()
  @IsString()
  DEADLINE_GROUP?: string;

  /** Per farm call, including reading the answer. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  FARM_TIMEOUT_MS = 15000;

  crossCheck(): string[] {
    const problems: string[] = [];
    const entry = FARM_ADAPTERS[this.RENDER_FARM];
    if (entry?.urlVariable && !this[entry.urlVariable]) {
      problems.push(`${entry.urlVariable}: must be set when RENDER_FARM=${this.RENDER_FARM}`);
    }
    const unknown = unknownCommandFields(this.AFANASY_COMMAND);
    if (unknown.length > 0) {
      problems.push(
        `AFANASY_COMMAND: unknown field${unknown.length > 1 ? 's' : ''} ${unknown
          .map((name) => `{${name}}`)
          .join(', ')} (known: ${COMMAND_FIELDS.map((name) => `{${name}}`).join(', ')})`,
      );
    }
    try {
      commandTemplateWords(this.AFANASY_COMMAND);
    } catch (error) {
      problems.push(`AFANASY_COMMAND: ${(error as Error).message}`);
    }
    if (Boolean(this.DEADLINE_USER) !== Boolean(this.DEADLINE_PASSWORD)) {
      problems.push(
        this.DEADLINE_USER
          ? 'DEADLINE_PASSWORD: must be set with DEADLINE_USER'
          : 'DEADLINE_USER: must be set with DEADLINE_PASSWORD',
      );
    }
    return problems;
  }
}

/** The config variables naming a farm's address; registry entries point at one of them. */
export type FarmUrlVariable = 'FLAMENCO_URL' | 'AFANASY_URL' | 'DEADLINE_URL';

export function loadFarmConfig(env: Record<string, string | undefined> = process.env): FarmConfig {
  return validateEnv(FarmConfig, env);
}
