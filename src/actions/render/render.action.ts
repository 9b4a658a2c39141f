import { Inject } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionOptionsDeclaration,
  JobOf,
  LiveStatus,
  RenderContext,
} from '../action.types';
import { FARM_ADAPTER, FarmError } from '../../farms';
import type { FarmAdapter, FarmJobSpec, FarmJobState } from '../../farms';
import { JobQueues } from '../../queues/job-queues.service';
import { formatJobId } from '../../queues/job-id';
import {
  SelectionResolver,
  type ResolvedSelection,
  type ResolvedTask,
} from '../../zou/selection-resolver';
import { summarizeSelection, type SelectionItem } from '../selection-summary';
import { forEachBounded } from '../../zou/call-limiter';
import { CurrentStatuses } from '../../zou/current-statuses';
import { ZouClient } from '../../zou/zou.client';
import { toUnrecoverable } from '../zou-failure';
import { chosenOptionsLine } from '../option-fields';
import type { RenderConfig } from './render.config';
import {
  renderOptionsDeclaration,
  renderRunOptions,
  type RenderFrameOptions,
  type RenderOptions,
  type RenderRunOptions,
} from './render.options';
import { RenderSpecBuilder } from './render-spec';
import { enqueueTrack } from './render-track.action';
import { renderRenderResult } from './render.renderer';
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

/** The person the farm shows as submitter. */
type Submitter = { name: string; login: string; email?: string };

/** What every task's lane needs from the render job. */
interface SubmitLane {
  job: JobOf<'render'>;
  options: RenderRunOptions;
  submitter: Submitter;
  /** The status a "submitted" comment sets; undefined keeps each task's own. */
  submitStatusId: string | undefined;
  statuses: CurrentStatuses;
}

/** One selected task's outcome: the task as shown, why it was not submitted, its dry-run job. */
interface TaskSlot {
  task: RenderedTask;
  error?: string;
  spec?: FarmJobSpec;
}

export interface RenderJobData {
  submitted?: Record<string, Submitted>;
}

declare module '../action.types' {
  interface ActionJobMap {
    render: RenderJobData;
  }
  interface ActionResultMap {
    render: RenderResult;
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
  readonly options:
    ActionOptionsDeclaration<RenderFrameOptions> | ActionOptionsDeclaration<RenderOptions>;

  constructor(
    private readonly resolver: SelectionResolver,
    private readonly zou: ZouClient,
    private readonly specs: RenderSpecBuilder,
    private readonly queues: JobQueues,
    private readonly liveStates: RenderLiveStates,
    @Inject(FARM_ADAPTER) private readonly farm: FarmAdapter,
  ) {
    this.options = renderOptionsDeclaration(specs.config, farm);
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
    await this.checkPlacement(options);
    await context.progress(5, `Reading ${request.taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(request.taskIds, { projectId: request.projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const submitter = await this.submitterOf(request);
    const lane: SubmitLane = {
      job,
      options,
      submitter,
      submitStatusId: await this.statusId(this.config.RENDER_STATUS_ON_SUBMIT),
      // Without a submit status each comment keeps the task's own, read in bulk just in time.
      statuses: new CurrentStatuses(
        this.zou,
        selection.tasks.map((t) => t.task.id),
      ),
    };
    // One slot per selected task, so the result keeps the selection's order whatever finishes first.
    const slots: TaskSlot[] = [];
    let done = 0;
    // Tasks go to the farm and to Kitsu a few at a time; every step is recorded on the job
    // before the next, so a retry (after all lanes have settled) never repeats one.
    await forEachBounded(selection.tasks, this.config.RENDER_PARALLEL, async (resolved, index) => {
      slots[index] = await this.submitTask(lane, resolved);
      if (slots[index].error !== undefined) return;
      done += 1;
      await context.progress(
        5 + Math.round((90 * done) / selection.tasks.length),
        `${done} submitted`,
      );
    });
    return this.resultOf(selection, slots);
  }

  /**
   * The chosen pool (tag, group, host) must be one the farm lists now, as the form checked: the
   * job is data in Redis. A farm that does not answer is retried like a submission would be.
   */
  private async checkPlacement({ placement }: RenderRunOptions): Promise<void> {
    if (!placement) return;
    const kind = this.farm.placementKinds?.find((known) => known.key === placement.kind);
    if (!kind || !this.farm.listPlacements) {
      throw new UnrecoverableError(
        `Render options refused: poolType "${placement.kind}" is not one ${this.farm.label} takes (${(this.farm.placementKinds ?? []).map((k) => k.key).join(', ') || 'none'})`,
      );
    }
    const listed = await this.farm.listPlacements(kind.key).catch((error: unknown) => {
      // A farm that is down is retried, as a submission would be; any other answer is final.
      if (error instanceof FarmError && error.transient) throw error;
      throw new UnrecoverableError(`Render options could not be checked: ${String(error)}`);
    });
    if (!listed.some((choice) => choice.value === placement.value)) {
      throw new UnrecoverableError(
        `Render options refused: pool "${placement.value}" is not one of the ${this.farm.label} ${kind.label.toLowerCase()}s listed now (${listed.map((c) => c.label).join(', ') || 'none'})`,
      );
    }
  }

  /** The person as the farm shows the submitter. */
  private async submitterOf(request: JobOf<'render'>['data']['request']): Promise<Submitter> {
    const person = await this.zou
      .getPerson(request.personId)
      .catch((error: unknown) => toUnrecoverable(error));
    return {
      name: person.full_name || request.personEmail,
      login: person.desktop_login || person.email || request.personEmail,
      ...(person.email ? { email: person.email } : {}),
    };
  }

  /** One task through submission, its "submitted" comment and the start of its tracking. */
  private async submitTask(lane: SubmitLane, resolved: ResolvedTask): Promise<TaskSlot> {
    const { job } = lane;
    const taskId = resolved.task.id;
    let record = job.data.submitted?.[taskId];
    let dry: FarmJobSpec | undefined;
    if (!record) {
      const submission = await this.submitToFarm(lane, resolved);
      if ('refusal' in submission) {
        return {
          task: notSubmitted(taskId, submission.name, submission.refusal, placeOf(resolved)),
          error: submission.refusal,
        };
      }
      record = submission.record;
      await this.record(job, taskId, record);
      if (this.farm.kind === 'dry-run') dry = submission.spec;
    }
    if (!record.commented) record = await this.commentSubmitted(lane, taskId, record);
    if (
      !record.trackingJobId &&
      this.config.RENDER_TRACKING === 'on' &&
      this.farm.kind !== 'dry-run'
    ) {
      record = await this.startTracking(job, taskId, record);
    }
    return {
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
  }

  /** The task's farm job, submitted; or why it cannot be (under the name to show). */
  private async submitToFarm(
    lane: SubmitLane,
    resolved: ResolvedTask,
  ): Promise<{ record: Submitted; spec: FarmJobSpec } | { refusal: string; name: string }> {
    const spec = this.specs.build(resolved, lane.job.data.request, lane.submitter, lane.options);
    if (typeof spec === 'string') return { refusal: spec, name: resolved.task.name };
    try {
      const submission = await this.farm.submit(spec);
      const record: Submitted = {
        farmJobId: submission.farmJobId,
        url: submission.url ?? null,
        frames: `${spec.frameIn}-${spec.frameOut}`,
        name: spec.name,
        state: submission.state,
        commented: false,
        trackingJobId: null,
      };
      return { record, spec };
    } catch (error) {
      // A farm that is down fails the whole job for a retry; a refused job is this task's error.
      if (error instanceof FarmError && error.transient) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      return { refusal: reason, name: spec.name };
    }
  }

  /** The "submitted" comment on the task, recorded so a retry never posts it twice. */
  private async commentSubmitted(
    lane: SubmitLane,
    taskId: string,
    record: Submitted,
  ): Promise<Submitted> {
    const link = record.url ? ` ${record.url}` : '';
    // The options the person changed (priority, chunk size, frames), as outcome comments name them.
    const { options, optionDefaults, optionLabels } = lane.job.data;
    const chosen = chosenOptionsLine(this.options.schema, options, optionDefaults, optionLabels);
    const taskStatusId =
      lane.submitStatusId ??
      (await lane.statuses.of(taskId).catch((error: unknown) => toUnrecoverable(error)));
    await this.zou
      .commentTask(taskId, {
        comment: `Render submitted to ${this.farm.label}: job ${record.farmJobId}, frames ${record.frames}${link}${chosen ? `\n${chosen}` : ''}`,
        personId: lane.job.data.request.personId,
        ...(taskStatusId ? { taskStatusId } : {}),
        ...(record.url ? { links: [record.url] } : {}),
      })
      .catch((error: unknown) => toUnrecoverable(error));
    const commented = { ...record, commented: true };
    await this.record(lane.job, taskId, commented);
    return commented;
  }

  /** The first tracking poll of the farm job, recorded so a retry never starts a second. */
  private async startTracking(
    job: JobOf<'render'>,
    taskId: string,
    record: Submitted,
  ): Promise<Submitted> {
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
    const tracked = { ...record, trackingJobId };
    await this.record(job, taskId, tracked);
    return tracked;
  }

  /** The job's result: every slot in selection order, tasks Kitsu lacks among the errors. */
  private resultOf(selection: ResolvedSelection, slots: TaskSlot[]): RenderResult {
    const missing: RenderResult['errors'] = selection.missing.map((taskId) => ({
      taskId,
      reason: 'not found in Kitsu',
    }));
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
