import { Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionJobBase,
  JobDataOf,
  JobOf,
} from '../action.types';
import { FARM_ADAPTER, isFinalFarmJobState } from '../../farms';
import type { FarmAdapter, FarmJobState, FarmJobStatus } from '../../farms';
import { JobQueues } from '../../queues/job-queues.service';
import { ZouClient } from '../../zou/zou.client';
import { ZouNotFoundError } from '../../zou/zou.errors';
import { RenderSpecBuilder } from './render-spec';
import { RenderCancelMarks } from './render-cancel.action';
import { RenderLiveStates } from './render-live-states';

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
    'render-track': RenderTrackData;
  }
  interface ActionResultMap {
    'render-track': RenderTrackResult;
  }
}

/** The next poll of a farm job, through the one enqueue path, as a typed render-track job. */
export async function enqueueTrack(
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
    const { track } = job.data;
    const base = { taskId: track.taskId, farmJobId: track.farmJobId };
    try {
      await this.zou.getTask(track.taskId);
    } catch (error) {
      if (error instanceof ZouNotFoundError) return taskGone(base, 0);
      throw error;
    }
    // Canceled from Kitsu (render-cancel): that action commented; following it ends here.
    if (await this.cancelMarks.isMarked(track.farmJobId)) {
      return { ...base, state: 'canceled', progress: 0, summary: 'Canceled from Kitsu' };
    }
    // A FarmError here (farm unreachable) is rethrown: BullMQ retries with backoff.
    const status = await this.farm.status(track.farmJobId);
    await context.progress(status.progress, `${status.farmStatus}`);
    if (!isFinalFarmJobState(status.state)) return this.pollAgain(job, status, base);
    return this.reportEnd(job, status, base);
  }

  /** The farm job still runs: the next poll, unless this was the last one allowed. */
  private async pollAgain(
    job: JobOf<'render-track'>,
    status: FarmJobStatus,
    base: TrackedJob,
  ): Promise<RenderTrackResult> {
    const { track } = job.data;
    const config = this.specs.config;
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

  /** The farm job ended: its "done" or "failed" comment (and status) on the task. */
  private async reportEnd(
    job: JobOf<'render-track'>,
    status: FarmJobStatus,
    base: TrackedJob,
  ): Promise<RenderTrackResult> {
    const { track, request } = job.data;
    const config = this.specs.config;
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
      if (error instanceof ZouNotFoundError) return taskGone(base, status.progress);
      throw error;
    }
    return { ...base, state: status.state, progress: status.progress, summary: comment };
  }
}

/** Which farm job of which task a poll follows. */
type TrackedJob = Pick<RenderTrackResult, 'taskId' | 'farmJobId'>;

/** The task was deleted in Kitsu: nobody to report to, so following ends. */
function taskGone(base: TrackedJob, progress: number): RenderTrackResult {
  return {
    ...base,
    state: 'task-gone',
    progress,
    summary: 'Task gone from Kitsu: tracking stopped',
  };
}
