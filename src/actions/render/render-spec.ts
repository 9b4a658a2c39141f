import { Inject, Injectable } from '@nestjs/common';
import type { ActionJobBase } from '../action.types';
import { commandTemplateWords, hasControlCharacter } from '../../farms';
import type { FarmJobSpec } from '../../farms';
import type { ResolvedTask } from '../../zou/selection-resolver';
import type { RenderConfig } from './render.config';
import { frameRangeOf, numberOf } from './render-frames';
import type { RenderRunOptions } from './render.options';
import {
  fieldLabel,
  fillName,
  fillTemplate,
  KITSU_NAME_FIELDS,
  namePartProblems,
  staysUnderRoot,
  templateFields,
  templateRoot,
  type RenderTemplateField,
  type RenderTemplateValues,
} from './render-template';

export const RENDER_CONFIG = Symbol('RENDER_CONFIG');

/** Shot data first, then the project's settings (Zou stores them as strings). */
export function fpsAndResolutionOf(resolved: ResolvedTask): {
  fps: number;
  resolution?: { width: number; height: number };
} {
  const data = (resolved.entity.data ?? {}) as Record<string, unknown>;
  const fps = numberOf(data.fps) ?? numberOf(resolved.project.fps) ?? 24;
  const raw =
    (typeof data.resolution === 'string' ? data.resolution : null) ?? resolved.project.resolution;
  const match = typeof raw === 'string' ? /^(\d+)x(\d+)$/.exec(raw) : null;
  return match ? { fps, resolution: { width: +match[1], height: +match[2] } } : { fps };
}

@Injectable()
export class RenderSpecBuilder {
  /** RENDER_COMMAND_TEMPLATE as argument words (checked at start-up). */
  private readonly commandWords: string[];
  /** Kitsu names that become path parts or command arguments. */
  private readonly placedFields: ReadonlySet<RenderTemplateField>;

  constructor(@Inject(RENDER_CONFIG) readonly config: RenderConfig) {
    this.commandWords = commandTemplateWords(config.RENDER_COMMAND_TEMPLATE);
    this.placedFields = new Set(
      [
        config.RENDER_SCENE_TEMPLATE,
        config.RENDER_OUTPUT_TEMPLATE,
        config.RENDER_COMMAND_TEMPLATE,
      ].flatMap(templateFields),
    );
  }

  /**
   * Why these names cannot go to the farm, or null. Any name with a control character is
   * refused (farms store names in line-based files and logs); a name used in a path or command
   * must also be a plain path part: no separator, "..", quote or leading dash.
   */
  private nameRefusal(values: RenderTemplateValues): string | null {
    const refusals: string[] = [];
    for (const field of KITSU_NAME_FIELDS) {
      const value = values[field];
      if (!value) continue;
      const problems = this.placedFields.has(field)
        ? namePartProblems(value)
        : hasControlCharacter(value)
          ? ['a control character']
          : [];
      if (problems.length) {
        refusals.push(
          `the ${fieldLabel(field)} ${JSON.stringify(value)} contains ${problems.join(', ')}`,
        );
      }
    }
    if (refusals.length === 0) return null;
    return `refused: ${refusals.join('; ')} (names that reach farm paths and commands must be plain; rename in Kitsu)`;
  }

  /** The farm job for one task, or the reason there cannot be one. */
  build(
    resolved: ResolvedTask,
    request: ActionJobBase['request'],
    person: { name: string; login: string; email?: string },
    options?: RenderRunOptions,
  ): FarmJobSpec | string {
    // The person's frame range (option form) wins over Kitsu's; both are numbers by now.
    const range = options?.frameRange ?? frameRangeOf(resolved);
    if (!range) {
      // Kitsu keeps frame ranges on shots; assets and edits need them in their custom data.
      const where =
        resolved.entityType === 'Shot'
          ? 'on the shot'
          : `in the ${resolved.entityType.toLowerCase()}'s data`;
      return `${resolved.entity.name}: no frame range (set data.frame_in/frame_out or nb_frames ${where})`;
    }
    const { fps, resolution } = fpsAndResolutionOf(resolved);
    const values = templateValuesOf(resolved, range, { fps, resolution }, person);
    const refusal = this.nameRefusal(values);
    if (refusal) return refusal;
    const scenePath = fillTemplate(this.config.RENDER_SCENE_TEMPLATE, values);
    const outputPath = fillTemplate(this.config.RENDER_OUTPUT_TEMPLATE, values);
    for (const [what, variable, path] of [
      ['scene path', 'RENDER_SCENE_TEMPLATE', scenePath],
      ['output path', 'RENDER_OUTPUT_TEMPLATE', outputPath],
    ] as const) {
      const template = this.config[variable];
      if (!staysUnderRoot(template, path)) {
        return `refused: the ${what} ${path} leaves ${templateRoot(template) || 'the directory the farm starts in'} (${variable})`;
      }
    }
    // One pass over each argument word: a name that looks like a {field} is never filled again.
    const commandValues: Record<string, string> = {
      ...values,
      scene: scenePath,
      output: outputPath,
    };
    const commandArgs = this.commandWords.map((word) =>
      word.replace(/\{([^{}]*)\}/g, (whole, name: string) => commandValues[name] ?? whole),
    );
    return {
      name: fillName(this.config.RENDER_JOB_NAME_TEMPLATE, values),
      kitsu: {
        taskId: resolved.task.id,
        entityId: resolved.entity.id,
        projectId: resolved.project.id,
        personId: request.personId,
      },
      submitter: person,
      priority: options?.priority ?? this.config.RENDER_PRIORITY,
      frameIn: range.frameIn,
      frameOut: range.frameOut,
      framesPerTask: options?.framesPerTask ?? this.config.RENDER_FRAMES_PER_TASK,
      fps,
      ...(resolution ? { resolution } : {}),
      scenePath,
      outputPath,
      commandArgs,
      project: resolved.project.name,
      batch: fillName('{project} {episode} {sequence}', values),
      metadata: { 'kitsu.task_type': resolved.taskType.name, 'kitsu.entity': resolved.entity.name },
      ...(options?.placement ? { placement: options.placement } : {}),
    };
  }
}

/** What the templates' {fields} stand for, for one task. */
function templateValuesOf(
  resolved: ResolvedTask,
  range: { frameIn: number; frameOut: number },
  { fps, resolution }: ReturnType<typeof fpsAndResolutionOf>,
  person: { name: string; login: string },
): RenderTemplateValues {
  return {
    project: resolved.project.name,
    project_code: String(
      (resolved.project as { code?: string | null }).code ?? resolved.project.name,
    ),
    episode: resolved.episode?.name ?? '',
    sequence: resolved.sequence?.name ?? '',
    shot: resolved.entityType === 'Shot' ? resolved.entity.name : '',
    asset: resolved.entityType === 'Asset' ? resolved.entity.name : '',
    entity: resolved.entity.name,
    task_type: resolved.taskType.name,
    task: resolved.task.name,
    task_id: resolved.task.id,
    entity_id: resolved.entity.id,
    frame_in: String(range.frameIn),
    frame_out: String(range.frameOut),
    fps: String(fps),
    width: String(resolution?.width ?? ''),
    height: String(resolution?.height ?? ''),
    person: person.name,
    login: person.login,
  };
}
