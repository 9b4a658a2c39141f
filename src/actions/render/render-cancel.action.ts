import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app.config';
import { ProducerConnection } from '../../queues/producer-connection';
import type { Job, Queue } from 'bullmq';
import { KitsuAction } from '../action.decorator';
import type { ActionContext, ActionHandler, ActionJobBase, JobOf } from '../action.types';
import { FARM_ADAPTER, FarmError } from '../../farms';
import type { FarmAdapter } from '../../farms';
import { JobQueues } from '../../queues/job-queues.service';
import { ZouClient } from '../../zou/zou.client';
import { ZouNotFoundError } from '../../zou/zou.errors';
import { CurrentStatuses } from '../../zou/current-statuses';
import { toUnrecoverable } from '../zou-failure';
import type { RenderTrackData } from './render-track.action';

export interface RenderCancelJobData {
  /** Farm jobs already canceled by an earlier attempt of this job (a retry skips them). */
  canceled?: string[];
}

export interface RenderCancelResult {
  summary: string;
  canceled: { taskId: string; farmJobId: string }[];
  /** Selected tasks with no render being followed: nothing to cancel. */
  notRunning: string[];
  errors: { taskId: string; farmJobId: string; reason: string }[];
}

declare module '../action.types' {
  interface ActionJobMap {
    'render-cancel': RenderCancelJobData;
  }
  interface ActionResultMap {
    'render-cancel': RenderCancelResult;
  }
}

/** A day is longer than any render is tracked between two polls. */
const CANCEL_MARK_SECONDS = 24 * 3600;

/**
 * Farm jobs canceled from Kitsu, in Redis under the queue prefix (so a hash-tagged prefix keeps
 * them in the queues' Cluster slot): render tracking stops following them without a comment of
 * its own, whatever state the farm reports (Deadline's suspended job is not an end state).
 */
@Injectable()
export class RenderCancelMarks {
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    app: AppConfig,
  ) {
    this.prefix = `${app.QUEUE_PREFIX}:render:canceled:`;
  }

  async mark(farmJobId: string, personId: string): Promise<void> {
    await this.producer.client.set(this.prefix + farmJobId, personId, 'EX', CANCEL_MARK_SECONDS);
  }

  async unmark(farmJobId: string): Promise<void> {
    await this.producer.client.del(this.prefix + farmJobId);
  }

  async isMarked(farmJobId: string): Promise<boolean> {
    return (await this.producer.client.exists(this.prefix + farmJobId)) === 1;
  }
}

/**
 * Cancels the farm jobs of the selected tasks that render tracking still follows: each is
 * canceled on the farm (Flamenco cancel-requested, Deadline suspend, Afanasy delete), its task
 * gets a comment credited to the person who canceled it (keeping its status), and its tracking
 * stops. Renders already finished, or never tracked, are listed as not running.
 */
@KitsuAction({
  name: 'render-cancel',
  label: 'Cancel renders',
  description: 'Cancels the farm jobs still running for the selected tasks',
  queue: 'render',
  entityTypes: ['shot', 'asset', 'edit'],
  ajax: true,
  // Those who may launch renders may stop any; anyone else only the renders they launched.
  rolesFrom: 'render',
})
export class RenderCancelAction implements ActionHandler<'render-cancel'> {
  constructor(
    private readonly zou: ZouClient,
    private readonly queues: JobQueues,
    private readonly marks: RenderCancelMarks,
    @Inject(FARM_ADAPTER) private readonly farm: FarmAdapter,
  ) {}

  /** Each canceled render's task has its "canceled by" comment already. */
  tasksCommented(
    _data: JobOf<'render-cancel'>['data'],
    result: RenderCancelResult | null,
  ): readonly string[] {
    return result?.canceled.map((entry) => entry.taskId) ?? [];
  }

  async handle(job: JobOf<'render-cancel'>, context: ActionContext): Promise<RenderCancelResult> {
    const { request } = job.data;
    const tracking = this.queues.get('render-tracking');
    await context.progress(5, 'Looking for the renders being followed');
    const followed = await this.followedFarmJobs(tracking, new Set(request.taskIds));
    const done = new Set(job.data.canceled ?? []);
    const canceled: RenderCancelResult['canceled'] = [];
    const errors: RenderCancelResult['errors'] = [];
    // Authorization found a role that may not render there: only the person's own renders (a
    // render someone else launched after the click is left alone, and said so).
    const ownOnly = new Set(job.data.authz?.ownWorkOnly ?? []);
    for (const [taskId, farmJobs] of followed) {
      if (!ownOnly.has(taskId)) continue;
      for (const [farmJobId, launcher] of farmJobs) {
        if (launcher === request.personId) continue;
        farmJobs.delete(farmJobId);
        errors.push({ taskId, farmJobId, reason: 'launched by someone else: not yours to cancel' });
      }
    }
    const statuses = new CurrentStatuses(this.zou, [...followed.keys()]);
    const person = await this.zou
      .getPerson(request.personId)
      .catch((error: unknown) => toUnrecoverable(error));
    const who = person.full_name || request.personEmail;
    for (const [taskId, farmJobs] of followed) {
      for (const farmJobId of farmJobs.keys()) {
        if (!done.has(farmJobId)) {
          // Marked first: a tracking poll between the farm's cancel and the mark would see the
          // canceled state and comment on its own.
          await this.marks.mark(farmJobId, request.personId);
          try {
            await this.farm.cancel(farmJobId);
          } catch (error) {
            await this.marks.unmark(farmJobId);
            // A farm that is down fails the job for a retry; a refusal is this task's error.
            if (error instanceof FarmError && error.transient) throw error;
            errors.push({ taskId, farmJobId, reason: (error as Error).message });
            continue;
          }
          done.add(farmJobId);
          await job.updateData({ ...job.data, canceled: [...done] });
          try {
            const taskStatusId = await statuses.of(taskId);
            await this.zou.commentTask(taskId, {
              comment: `Render canceled on ${this.farm.label} by ${who}: job ${farmJobId}`,
              personId: request.personId,
              ...(taskStatusId ? { taskStatusId } : {}),
            });
          } catch (error) {
            // The farm job is canceled either way; a task gone from Kitsu just gets no comment.
            if (!(error instanceof ZouNotFoundError)) throw error;
          }
        }
        canceled.push({ taskId, farmJobId });
      }
    }
    const notRunning = request.taskIds.filter((id) => !followed.has(id));
    const summary =
      `${canceled.length} render(s) canceled on ${this.farm.label}` +
      (notRunning.length ? `, ${notRunning.length} task(s) with no render running` : '') +
      (errors.length ? `, ${errors.length} refused by the farm` : '');
    return { summary, canceled, notRunning, errors };
  }

  /** Who launched the renders still followed, per task: asked by authorization at intake. */
  async launchersOf(taskIds: string[]): Promise<Map<string, Set<string>>> {
    const followed = await this.followedFarmJobs(
      this.queues.get('render-tracking'),
      new Set(taskIds),
    );
    return new Map([...followed].map(([taskId, farmJobs]) => [taskId, new Set(farmJobs.values())]));
  }

  /**
   * Task id -> farm job id -> person who launched it, for the farm jobs tracking polls still
   * follow (waiting, delayed or running). Each poll carries the render click's request.
   */
  private async followedFarmJobs(
    tracking: Queue,
    wanted: Set<string>,
  ): Promise<Map<string, Map<string, string>>> {
    const jobs = (await tracking.getJobs(['delayed', 'waiting', 'prioritized', 'active'])) as Job<
      RenderTrackData & Partial<ActionJobBase>
    >[];
    const followed = new Map<string, Map<string, string>>();
    for (const poll of jobs) {
      const track = poll?.data?.track;
      if (!track || !wanted.has(track.taskId)) continue;
      const farmJobs = followed.get(track.taskId) ?? new Map<string, string>();
      farmJobs.set(track.farmJobId, poll.data.request?.personId?.toLowerCase() ?? '');
      followed.set(track.taskId, farmJobs);
    }
    return followed;
  }
}
