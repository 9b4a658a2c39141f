import { Inject, Injectable, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionOptionsDeclaration,
  ActionJobBase,
  JobDataOf,
  JobOf,
  LiveStatus,
  RenderContext,
} from '../action.types';
import { ENV, type Env } from '../../config/config.module';
import {
  commandTemplateWords,
  FARM_ADAPTER,
  FarmError,
  hasControlCharacter,
  isFinalFarmJobState,
} from '../../farms';
import type { FarmAdapter, FarmJobSpec, FarmJobState } from '../../farms';
import { JobQueues } from '../../queues/job-queues.service';
import { formatJobId } from '../../queues/job-id';
import { SelectionResolver, type ResolvedTask } from '../../zou/selection-resolver';
import { summarizeSelection, type SelectionItem } from '../selection-summary';
import { forEachBounded } from '../../zou/call-limiter';
import { CurrentStatuses } from '../../zou/current-statuses';
import { ZouClient } from '../../zou/zou.client';
import { ZouNotFoundError } from '../../zou/zou.errors';
import { toUnrecoverable } from '../zou-failure';
import { loadRenderConfig, RenderConfig } from './render.config';
import { frameRangeOf, numberOf } from './render-frames';
import {
  renderOptionsDeclaration,
  renderRunOptions,
  type RenderOptions,
  type RenderRunOptions,
} from './render.options';

export { frameRangeOf } from './render-frames';
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
import { renderRenderResult } from './render.renderer';
import { RenderCancelAction, RenderCancelMarks } from './render-cancel.action';
import { RenderLiveStates } from './render-live-states';
import { renderLiveStatus } from './render-live-status';

/** One task as submitted (or not) to the farm. */
export interface RenderedTask {
  taskId: string;
  name: string;
  farmJobId: string | null;
  url: string | null;
  frames: string | null;
  state: FarmJobState | 'not-submitted';
  progress: number;
  /** Why it was not submitted, or the farm's word on a failure. */
  message?: string;
  /** First tracking poll, /jobs/<id>; each poll's result names the next one. */
  trackingJobId?: string | null;
  /** Where the task is in Kitsu, for links from the job page. */
  kitsu?: RenderedTaskPlace;
  /** When tracking last saw the farm job (live results only). */
  seenAt?: string;
  /** False once tracking stopped before the farm job ended (live results only). */
  followed?: boolean;
}

export interface RenderedTaskPlace {
  projectId: string;
  episodeId: string | null;
  /** Zou entity type name (Shot, Character, Edit...), for the Kitsu section. */
  entityType: string;
  entityName: string;
  taskTypeName: string;
}

function placeOf(resolved: ResolvedTask): RenderedTaskPlace {
  return {
    projectId: resolved.project.id,
    episodeId: resolved.episode?.id ?? null,
    entityType: resolved.entityType,
    entityName: resolved.entity.name,
    taskTypeName: resolved.taskType.name,
  };
}

export interface RenderResult {
  summary: string;
  farm: string;
  tasks: RenderedTask[];
  errors: Array<{ taskId: string; reason: string }>;
  /** What the dry-run farm would have received. */
  dryRun?: FarmJobSpec[];
  /** Names of the selected tasks, for the job page's Selection panel. */
  selection?: SelectionItem[];
}

/** Recorded on the job before moving on, so a retried job never submits a task twice. */
interface Submitted {
  farmJobId: string;
  url: string | null;
  frames: string;
  name: string;
  state: FarmJobState;
  commented: boolean;
  /** First polling job (each poll's result names the next). */
  trackingJobId: string | null;
}

export interface RenderJobData {
  submitted?: Record<string, Submitted>;
}

export interface RenderTrackData {
  track: {
    parentJobId: string;
    taskId: string;
    farmJobId: string;
    url: string | null;
    poll: number;
  };
}

export interface RenderTrackResult {
  summary: string;
  taskId: string;
  farmJobId: string;
  state: FarmJobState | 'task-gone';
  progress: number;
  nextPollJobId?: string;
}

declare module '../action.types' {
  interface ActionJobMap {
    render: RenderJobData;
    'render-track': RenderTrackData;
  }
  interface ActionResultMap {
    render: RenderResult;
    'render-track': RenderTrackResult;
  }
}

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
    const isShot = resolved.entityType === 'Shot';
    const values: RenderTemplateValues = {
      project: resolved.project.name,
      project_code: String(
        (resolved.project as { code?: string | null }).code ?? resolved.project.name,
      ),
      episode: resolved.episode?.name ?? '',
      sequence: resolved.sequence?.name ?? '',
      shot: isShot ? resolved.entity.name : '',
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
    };
  }
}

/** Submits each selected task to the farm, comments on it in Kitsu and starts tracking. */
@KitsuAction({
  name: 'render',
  label: 'Render on the farm',
  description: 'Submits one farm job per selected task and follows it back into Kitsu',
  queue: 'render',
  entityTypes: ['shot', 'asset', 'edit'],
  ajax: false,
})
export class RenderAction implements ActionHandler<'render'> {
  /** Frame range, priority and chunk size, asked before a browser click renders. */
  readonly options: ActionOptionsDeclaration<RenderOptions>;

  constructor(
    private readonly resolver: SelectionResolver,
    private readonly zou: ZouClient,
    private readonly specs: RenderSpecBuilder,
    private readonly queues: JobQueues,
    private readonly liveStates: RenderLiveStates,
    @Inject(FARM_ADAPTER) private readonly farm: FarmAdapter,
  ) {
    this.options = renderOptionsDeclaration(specs.config);
  }

  /**
   * A submitted task has its "submitted" comment and gets its "done" or "failed" one from
   * tracking: an outcome comment would be a third. Tasks not submitted still hear why.
   */
  tasksCommented(data: JobOf<'render'>['data']): readonly string[] {
    return Object.entries(data.submitted ?? {})
      .filter(([, record]) => record.commented)
      .map(([taskId]) => taskId);
  }

  /** Each task as its tracking last saw it on the farm (the job itself ends at submission). */
  async liveResult(jobId: string, result: RenderResult): Promise<RenderResult> {
    if (!Array.isArray(result.tasks) || !result.tasks.some((t) => t.trackingJobId)) return result;
    const live = await this.liveStates.read(jobId);
    if (live.size === 0) return result;
    return {
      ...result,
      tasks: result.tasks.map((task) => {
        const seen = live.get(task.taskId);
        if (!seen) return task;
        if (seen.state === 'task-gone') {
          return { ...task, followed: false, seenAt: seen.at, message: 'Task gone from Kitsu' };
        }
        return {
          ...task,
          state: seen.state,
          progress: seen.progress,
          seenAt: seen.at,
          ...(seen.message ? { message: seen.message } : {}),
          ...(seen.stopped ? { followed: false, message: seen.stopped } : {}),
        };
      }),
    };
  }

  /** Running until every farm job has ended, then all rendered / some failed / canceled. */
  liveStatus(result: RenderResult): LiveStatus | null {
    return renderLiveStatus(result);
  }

  private get config(): RenderConfig {
    return this.specs.config;
  }

  /** The job page groups the tasks by where their farm jobs stand, trouble first. */
  renderResult(result: unknown, context: RenderContext): string {
    return renderRenderResult(result, context);
  }

  async handle(job: JobOf<'render'>, context: ActionContext): Promise<RenderResult> {
    const { request } = job.data;
    let options: RenderRunOptions;
    try {
      options = renderRunOptions(job.data.options, this.config);
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    await context.progress(5, `Reading ${request.taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(request.taskIds, { projectId: request.projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const person = await this.zou
      .getPerson(request.personId)
      .catch((error: unknown) => toUnrecoverable(error));
    const submitter = {
      name: person.full_name || request.personEmail,
      login: person.desktop_login || person.email || request.personEmail,
      ...(person.email ? { email: person.email } : {}),
    };
    const submitStatusId = await this.statusId(this.config.RENDER_STATUS_ON_SUBMIT);
    const missing: RenderResult['errors'] = selection.missing.map((taskId) => ({
      taskId,
      reason: 'not found in Kitsu',
    }));
    // One slot per selected task, so the result keeps the selection's order whatever finishes first.
    const slots: { task: RenderedTask; error?: string; spec?: FarmJobSpec }[] = [];
    // Without a submit status each comment keeps the task's own, read in bulk just in time.
    const statuses = new CurrentStatuses(
      this.zou,
      selection.tasks.map((t) => t.task.id),
    );
    let done = 0;
    // Tasks go to the farm and to Kitsu a few at a time; every step is recorded on the job
    // before the next, so a retry (after all lanes have settled) never repeats one.
    await forEachBounded(selection.tasks, this.config.RENDER_PARALLEL, async (resolved, index) => {
      const taskId = resolved.task.id;
      let record = job.data.submitted?.[taskId];
      let dry: FarmJobSpec | undefined;
      if (!record) {
        const spec = this.specs.build(resolved, request, submitter, options);
        if (typeof spec === 'string') {
          slots[index] = {
            task: notSubmitted(taskId, resolved.task.name, spec, placeOf(resolved)),
            error: spec,
          };
          return;
        }
        try {
          const submission = await this.farm.submit(spec);
          record = {
            farmJobId: submission.farmJobId,
            url: submission.url ?? null,
            frames: `${spec.frameIn}-${spec.frameOut}`,
            name: spec.name,
            state: submission.state,
            commented: false,
            trackingJobId: null,
          };
        } catch (error) {
          // A farm that is down fails the whole job for a retry; a refused job is this task's error.
          if (error instanceof FarmError && error.transient) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          slots[index] = {
            task: notSubmitted(taskId, spec.name, reason, placeOf(resolved)),
            error: reason,
          };
          return;
        }
        await this.record(job, taskId, record);
        if (this.farm.kind === 'dry-run') dry = spec;
      }
      if (!record.commented) {
        const link = record.url ? ` ${record.url}` : '';
        const taskStatusId =
          submitStatusId ??
          (await statuses.of(taskId).catch((error: unknown) => toUnrecoverable(error)));
        await this.zou
          .commentTask(taskId, {
            comment: `Render submitted to ${this.farm.label}: job ${record.farmJobId}, frames ${record.frames}${link}`,
            personId: request.personId,
            ...(taskStatusId ? { taskStatusId } : {}),
            ...(record.url ? { links: [record.url] } : {}),
          })
          .catch((error: unknown) => toUnrecoverable(error));
        record = { ...record, commented: true };
        await this.record(job, taskId, record);
      }
      if (
        !record.trackingJobId &&
        this.config.RENDER_TRACKING === 'on' &&
        this.farm.kind !== 'dry-run'
      ) {
        const trackingJobId = await enqueueTrack(
          this.queues,
          job.data,
          this.config.RENDER_TRACK_INTERVAL_MS,
          {
            parentJobId: formatJobId(job.queueName, job.id!),
            taskId,
            farmJobId: record.farmJobId,
            url: record.url,
            poll: 1,
          },
        );
        record = { ...record, trackingJobId };
        await this.record(job, taskId, record);
      }
      slots[index] = {
        ...(dry ? { spec: dry } : {}),
        task: {
          taskId,
          name: record.name,
          farmJobId: record.farmJobId,
          url: record.url,
          frames: record.frames,
          state: record.state,
          progress: 0,
          trackingJobId: record.trackingJobId,
          kitsu: placeOf(resolved),
        },
      };
      done += 1;
      await context.progress(
        5 + Math.round((90 * done) / selection.tasks.length),
        `${done} submitted`,
      );
    });
    const tasks = slots.map((slot) => slot.task);
    const errors = [
      ...missing,
      ...slots.flatMap((slot) =>
        slot.error ? [{ taskId: slot.task.taskId, reason: slot.error }] : [],
      ),
    ];
    const dryRun = slots.flatMap((slot) => (slot.spec ? [slot.spec] : []));
    const submitted = tasks.filter((t) => t.farmJobId).length;
    const summary =
      `${submitted} of ${selection.tasks.length + selection.missing.length} task(s) submitted to ${this.farm.label}` +
      (errors.length ? `, ${errors.length} not submitted` : '');
    return {
      summary,
      farm: this.farm.kind,
      tasks,
      errors,
      ...(dryRun.length ? { dryRun } : {}),
      selection: summarizeSelection(selection.tasks),
    };
  }

  private async record(job: JobOf<'render'>, taskId: string, record: Submitted): Promise<void> {
    const submitted = { ...(job.data.submitted ?? {}), [taskId]: record };
    await job.updateData({ ...job.data, submitted });
  }

  private async statusId(shortName: string | undefined): Promise<string | undefined> {
    if (!shortName || shortName === 'none') return undefined;
    const status = await this.zou.getTaskStatusByShortName(shortName);
    if (!status) throw new UnrecoverableError(`Kitsu has no task status "${shortName}"`);
    return status.id;
  }
}

function notSubmitted(
  taskId: string,
  name: string,
  message: string,
  kitsu: RenderedTaskPlace,
): RenderedTask {
  return {
    taskId,
    name,
    farmJobId: null,
    url: null,
    frames: null,
    state: 'not-submitted',
    progress: 0,
    message,
    kitsu,
  };
}

/** The next poll of a farm job, through the one enqueue path, as a typed render-track job. */
async function enqueueTrack(
  queues: JobQueues,
  base: ActionJobBase,
  delay: number,
  track: RenderTrackData['track'],
): Promise<string> {
  const data: JobDataOf<'render-track'> = {
    action: 'render-track',
    // A poll serves no sub-action.
    variant: '',
    request: base.request,
    params: {},
    requestId: base.requestId,
    requestedAt: new Date().toISOString(),
    track,
  };
  const { jobId } = await queues.enqueue('render-track', data, {
    bullId: randomUUID(),
    delay,
    attempts: 10,
    backoff: { type: 'exponential', delay: 2000 },
  });
  return jobId;
}

/** One poll of one farm job; schedules the next poll until the farm job ends. */
@KitsuAction({
  name: 'render-track',
  label: 'Render tracking',
  description: 'Follows a submitted farm job and reports its end in Kitsu',
  queue: 'render-tracking',
  entityTypes: 'all',
  ajax: true,
  attempts: 10,
  internal: true,
})
export class RenderTrackAction implements ActionHandler<'render-track'> {
  constructor(
    private readonly zou: ZouClient,
    private readonly specs: RenderSpecBuilder,
    private readonly queues: JobQueues,
    private readonly cancelMarks: RenderCancelMarks,
    private readonly liveStates: RenderLiveStates,
    @Inject(FARM_ADAPTER) private readonly farm: FarmAdapter,
  ) {}

  /** A poll's page opens for whoever may see the render it follows. */
  followsUp(data: JobDataOf<'render-track'>): string | null {
    return data.track?.parentJobId ?? null;
  }

  async handle(job: JobOf<'render-track'>, context: ActionContext): Promise<RenderTrackResult> {
    const { track } = job.data;
    let result: RenderTrackResult;
    try {
      result = await this.poll(job, context);
    } catch (error) {
      // The last attempt of this poll failed: nobody follows this farm job any more, and the
      // render's page must not say it is still rendering.
      const lastAttempt =
        error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) {
        const before = await this.liveStates.readOne(track.parentJobId, track.taskId);
        const reason = error instanceof Error ? error.message : String(error);
        await this.liveStates.record(track.parentJobId, track.taskId, {
          state: before?.state ?? 'queued',
          progress: before?.progress ?? 0,
          stopped: `Tracking stopped: ${reason}`,
        });
      }
      throw error;
    }
    const ended = isFinalFarmJobState(result.state as FarmJobState) || result.state === 'task-gone';
    // The render job ended at submission: its page reads where each farm job is from here.
    await this.liveStates.record(track.parentJobId, result.taskId, {
      state: result.state,
      progress: result.progress,
      ...(result.state === 'failed' ? { message: result.summary } : {}),
      ...(!ended && !result.nextPollJobId ? { stopped: result.summary } : {}),
    });
    return result;
  }

  private async poll(
    job: JobOf<'render-track'>,
    context: ActionContext,
  ): Promise<RenderTrackResult> {
    const { track, request } = job.data;
    const config = this.specs.config;
    const base = { taskId: track.taskId, farmJobId: track.farmJobId };
    try {
      await this.zou.getTask(track.taskId);
    } catch (error) {
      if (error instanceof ZouNotFoundError) {
        return {
          ...base,
          state: 'task-gone',
          progress: 0,
          summary: 'Task gone from Kitsu: tracking stopped',
        };
      }
      throw error;
    }
    // Canceled from Kitsu (render-cancel): that action commented; following it ends here.
    if (await this.cancelMarks.isMarked(track.farmJobId)) {
      return { ...base, state: 'canceled', progress: 0, summary: 'Canceled from Kitsu' };
    }
    // A FarmError here (farm unreachable) is rethrown: BullMQ retries with backoff.
    const status = await this.farm.status(track.farmJobId);
    await context.progress(status.progress, `${status.farmStatus}`);
    if (!isFinalFarmJobState(status.state)) {
      if (track.poll >= config.RENDER_TRACK_MAX_POLLS) {
        return {
          ...base,
          state: status.state,
          progress: status.progress,
          summary: 'Gave up tracking after the last poll',
        };
      }
      const next = await enqueueTrack(this.queues, job.data, config.RENDER_TRACK_INTERVAL_MS, {
        ...track,
        poll: track.poll + 1,
      });
      return {
        ...base,
        state: status.state,
        progress: status.progress,
        nextPollJobId: next,
        summary: `${status.state} ${status.progress}%`,
      };
    }
    const completed = status.state === 'completed';
    // Canceled from Kitsu while this poll asked the farm: render-cancel comments, not this.
    if (!completed && (await this.cancelMarks.isMarked(track.farmJobId))) {
      return {
        ...base,
        state: 'canceled',
        progress: status.progress,
        summary: 'Canceled from Kitsu',
      };
    }
    // A job canceled on the farm itself is not a failed render: the task keeps its status.
    const statusName = completed
      ? config.RENDER_STATUS_ON_DONE
      : status.state === 'failed'
        ? config.RENDER_STATUS_ON_FAIL
        : undefined;
    const statusId =
      statusName && statusName !== 'none'
        ? (await this.zou.getTaskStatusByShortName(statusName))?.id
        : undefined;
    const link = track.url ? ` ${track.url}` : '';
    const comment = completed
      ? `Render done on ${this.farm.label}: job ${track.farmJobId}${link}`
      : `Render ${status.state} on ${this.farm.label}: job ${track.farmJobId}${status.message ? `: ${status.message}` : ''}${link}`;
    try {
      await this.zou.commentTask(track.taskId, {
        comment,
        personId: request.personId,
        ...(statusId ? { taskStatusId: statusId } : {}),
        ...(track.url ? { links: [track.url] } : {}),
      });
    } catch (error) {
      if (error instanceof ZouNotFoundError) {
        return {
          ...base,
          state: 'task-gone',
          progress: status.progress,
          summary: 'Task gone from Kitsu: tracking stopped',
        };
      }
      throw error;
    }
    return { ...base, state: status.state, progress: status.progress, summary: comment };
  }
}

@Module({
  providers: [
    {
      provide: RENDER_CONFIG,
      useFactory: (env: Env) => loadRenderConfig(env),
      inject: [ENV],
    },
    RenderSpecBuilder,
    RenderAction,
    RenderTrackAction,
    RenderCancelAction,
    RenderCancelMarks,
    RenderLiveStates,
  ],
})
export class RenderModule {}
