import { Module } from '@nestjs/common';
import { KitsuAction } from '../action.decorator';
import type { ActionHandler, JobOf } from '../action.types';
import { ZouClient } from '../../zou/zou.client';
import type { ZouPerson, ZouTask } from '../../zou/zou.types';
import { toUnrecoverable } from '../zou-failure';

/** Selected tasks looked at for one the person can see (a refusal names a few at most). */
const MAX_TASKS_LOOKED_AT = 50;

export interface RefusalNoticeData {
  notice: {
    /** Label of the refused action, as in Kitsu's menu. */
    actionLabel: string;
    /** The authorization rule that refused it (see ActionAuthorizer). */
    rule: string;
    /** The intake's 403 message. */
    reason: string;
  };
  /** The task the notice was posted on, recorded so a retry never posts it twice. */
  postedOn?: string;
}

export interface RefusalNoticeResult {
  summary: string;
  /** The task the notice went to; null when the person can see none of the selection. */
  taskId: string | null;
}

declare module '../action.types' {
  interface ActionJobMap {
    'refusal-notice': RefusalNoticeData;
  }
  interface ActionResultMap {
    'refusal-notice': RefusalNoticeResult;
  }
}

/**
 * Tells a person refused at intake over AJAX why, where Kitsu shows them something: a comment on
 * the first selected task they can see, posted by the service account (Zou has no route to send
 * a notification, and a comment credited to them would not notify them). The intake enqueues it
 * at most once per person and action per window; here nothing is written on a task outside the
 * person's reach, so a refusal never leaks into a project they are not in.
 */
@KitsuAction({
  name: 'refusal-notice',
  label: 'Refusal notice',
  description: 'Tells a person in Kitsu why their action was refused',
  queue: 'notices',
  entityTypes: 'all',
  ajax: true,
  attempts: 5,
  internal: true,
})
export class RefusalNoticeAction implements ActionHandler<'refusal-notice'> {
  constructor(private readonly zou: ZouClient) {}

  async handle(job: JobOf<'refusal-notice'>): Promise<RefusalNoticeResult> {
    const { request, notice } = job.data;
    // Posted by an earlier attempt killed before its end: never twice.
    if (job.data.postedOn) return { summary: 'Notice posted', taskId: job.data.postedOn };
    const person = await this.zou.readPerson(request.personId).catch(toUnrecoverable);
    const { tasks } = await this.zou
      .getTasksByIds(request.taskIds.slice(0, MAX_TASKS_LOOKED_AT))
      .catch(toUnrecoverable);
    const task = await this.firstVisible(person, request.taskIds, tasks);
    if (!task)
      return {
        summary: 'No selected task is visible to the person: nothing written',
        taskId: null,
      };
    const name = person.full_name || `${person.first_name ?? ''} ${person.last_name ?? ''}`.trim();
    await this.zou
      .commentTask(task.id, {
        comment: `${name || request.personEmail}: "${notice.actionLabel}" was not run. ${notice.reason}.`,
        taskStatusId: task.task_status_id,
      })
      .catch(toUnrecoverable);
    await job.updateData({ ...job.data, postedOn: task.id });
    return { summary: `Notice posted on task ${task.id}`, taskId: task.id };
  }

  /**
   * Admins see every project; others the projects whose team holds them; clients and vendors
   * only what is assigned to them (Kitsu shows them little else).
   */
  private async firstVisible(
    person: ZouPerson,
    selected: string[],
    tasks: ZouTask[],
  ): Promise<ZouTask | null> {
    const byId = new Map(tasks.map((task) => [task.id, task]));
    const teams = new Map<string, boolean>();
    for (const id of selected) {
      const task = byId.get(id);
      if (!task) continue;
      if (person.role === 'admin') return task;
      if (person.role === 'client' || person.role === 'vendor') {
        if ((task.assignees ?? []).includes(person.id)) return task;
        continue;
      }
      let member = teams.get(task.project_id);
      if (member === undefined) {
        const project = await this.zou.readProject(task.project_id).catch(() => null);
        member = Boolean(project?.team.includes(person.id));
        teams.set(task.project_id, member);
      }
      if (member) return task;
    }
    return null;
  }
}

@Module({ providers: [RefusalNoticeAction] })
export class RefusalNoticeModule {}
