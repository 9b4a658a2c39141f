import { Module } from '@nestjs/common';
import { KitsuAction } from '../../action.decorator';
import type { ActionContext, ActionHandler, JobOf, RenderContext } from '../../action.types';
import { ZouClient } from '../../../zou/zou.client';
import type { ZouComment } from '../../../zou/zou.types';
import { SelectionResolver } from '../../../zou/selection-resolver';
import { summarizeSelection, type SelectionItem } from '../../selection-summary';
import { toUnrecoverable } from '../../zou-failure';
import { renderNotifyResult } from './notify.renderer';

export const DEFAULT_NOTIFY_TEXT = 'Please have a look at this task.';
/** Zou and worker clocks may disagree; a comment this much older than the click still counts. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface NotifyResult {
  summary: string;
  /** The comment posted on each task. */
  text?: string;
  /** Tasks commented on, in selection order (includes those finished by an earlier attempt). */
  commented: string[];
  /** Tasks whose comment a killed attempt had already posted (found on Zou, not posted again). */
  recovered: string[];
  /** Names of the selected tasks, for the job page (absent when Kitsu could not tell them). */
  selection?: SelectionItem[];
}

declare module '../../action.types' {
  interface ActionJobMap {
    notify: {
      /** Tasks already commented on by an earlier attempt of this job. */
      done?: string[];
    };
  }
  interface ActionResultMap {
    notify: NotifyResult;
  }
}

/**
 * Posts a comment on each selected task, credited to the person who clicked, keeping each task's
 * status. The text is `?text=` on the action URL, or a default.
 *
 * Idempotent across retries and killed workers: each commented task is recorded on the job
 * (`done`) before the next one, so a retry skips it. Only a worker killed between Zou's answer and
 * that record can leave a task commented but not recorded, so a re-run attempt first looks on Zou
 * for that exact comment before posting.
 */
@KitsuAction({
  name: 'notify',
  label: 'Notify (comment)',
  description: 'Posts a comment on each selected task, keeping its status',
  queue: 'custom',
  entityTypes: 'all',
  ajax: true,
  attempts: 8,
})
export class NotifyAction implements ActionHandler<'notify'> {
  constructor(
    private readonly zou: ZouClient,
    private readonly resolver: SelectionResolver,
  ) {}

  /** Its own comment is the whole point: an outcome comment would only repeat it. */
  tasksCommented(data: JobOf<'notify'>['data']): readonly string[] {
    return data.done ?? [];
  }

  renderResult(result: unknown, context: RenderContext): string {
    return renderNotifyResult(result, context);
  }

  async handle(job: JobOf<'notify'>, context: ActionContext): Promise<NotifyResult> {
    const { request, params } = job.data;
    const text = (params.text ?? '').trim() || DEFAULT_NOTIFY_TEXT;
    const done = new Set(job.data.done ?? []);
    const rerun = job.attemptsStarted > 1;
    const recovered: string[] = [];
    const total = request.taskIds.length;
    if (done.size) await context.log(`Resuming: ${done.size}/${total} task(s) already commented`);

    for (const taskId of request.taskIds) {
      if (done.has(taskId)) continue;
      const posted = rerun && (await this.alreadyPosted(taskId, request.personId, text, job));
      if (posted) {
        recovered.push(taskId);
        await context.log(`Task ${taskId}: comment found from an interrupted attempt`);
      } else {
        await this.zou
          .commentTask(taskId, { comment: text, personId: request.personId })
          .catch((error: unknown) => toUnrecoverable(error));
      }
      done.add(taskId);
      // Recorded before the next task so a retry never comments twice.
      await job.updateData({ ...job.data, done: [...done] });
      await context.progress((done.size / total) * 100, `${done.size}/${total} commented`);
    }

    const commented = request.taskIds.filter((id) => done.has(id));
    const selection = await this.names(request.taskIds, context);
    return {
      summary: `${commented.length} task(s) commented`,
      text,
      commented,
      recovered,
      ...(selection ? { selection } : {}),
    };
  }

  /**
   * The tasks' names for the job page, read once the comments are posted. Only a nicety: when
   * Kitsu cannot tell them, the page shows ids and the job still succeeds (a retry would post
   * nothing new, only make the person wait).
   */
  private async names(taskIds: string[], context: ActionContext): Promise<SelectionItem[] | null> {
    try {
      return summarizeSelection((await this.resolver.resolve(taskIds)).tasks);
    } catch (error) {
      await context.log(`Task names could not be read from Kitsu: ${(error as Error).message}`);
      return null;
    }
  }

  private async alreadyPosted(
    taskId: string,
    personId: string,
    text: string,
    job: JobOf<'notify'>,
  ): Promise<boolean> {
    const since = Date.parse(job.data.requestedAt) - CLOCK_SKEW_MS;
    const comments = await this.zou
      .getTaskComments(taskId)
      .catch((error: unknown) => toUnrecoverable(error));
    return comments.some(
      (comment) =>
        comment.person_id === personId && comment.text === text && createdAt(comment) >= since,
    );
  }
}

/** Zou writes naive UTC datetimes (no zone); read them as UTC. */
function createdAt(comment: ZouComment): number {
  const value = comment.created_at;
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

@Module({ providers: [NotifyAction] })
export class NotifyModule {}
