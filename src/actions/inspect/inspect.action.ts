import { Module } from '@nestjs/common';
import { KitsuAction } from '../action.decorator';
import type { ActionContext, ActionHandler, JobOf, RenderContext } from '../action.types';
import { SelectionResolver, type ResolvedTask } from '../../zou/selection-resolver';
import { toUnrecoverable } from '../zou-failure';
import { hasEmail } from '../../zou/zou.client';
import { renderInspectResult } from './inspect.renderer';

/** One selected task with everything a person wants to know about it, names and ids. */
export interface InspectedTask {
  id: string;
  name: string;
  project: { id: string; name: string; productionType: string | null };
  episode: { id: string; name: string } | null;
  sequence: { id: string; name: string } | null;
  entity: {
    id: string;
    name: string;
    type: string;
    nbFrames: number | null;
    frameIn: number | null;
    frameOut: number | null;
    fps: number | null;
  };
  taskType: { id: string; name: string; forEntity: string | null };
  status: { id: string; name: string; shortName: string; isDone: boolean; isRetake: boolean };
  /**
   * `email` null with `emailHidden` true: Zou does not show this address to the service account
   * (admins and managers only); null alone: the person has none.
   */
  assignees: Array<{ id: string; fullName: string; email: string | null; emailHidden?: true }>;
  estimationMinutes: number | null;
  durationMinutes: number | null;
  retakeCount: number;
  dueDate: string | null;
  lastPreviewFileId: string | null;
  data: Record<string, unknown>;
}

export interface InspectResult {
  summary: string;
  count: number;
  tasks: InspectedTask[];
  /** Selected ids Zou does not know (or the service may not see). */
  missing: string[];
}

declare module '../action.types' {
  interface ActionJobMap {
    inspect: Record<never, never>;
  }
  interface ActionResultMap {
    inspect: InspectResult;
  }
}

/** Shows a selection's metadata: the task, its entity, type, status, assignees and project. */
@KitsuAction({
  name: 'inspect',
  label: 'Inspect selection',
  description:
    'Shows the selected tasks with their entity, task type, status, assignees and project',
  queue: 'inspect',
  entityTypes: 'all',
  ajax: false,
  readOnly: true,
})
export class InspectAction implements ActionHandler<'inspect'> {
  constructor(private readonly resolver: SelectionResolver) {}

  /** The job page shows one card per task, linked into Kitsu. */
  renderResult(result: unknown, context: RenderContext): string {
    return renderInspectResult(result, context);
  }

  async handle(job: JobOf<'inspect'>, context: ActionContext): Promise<InspectResult> {
    const { taskIds, projectId } = job.data.request;
    await context.progress(10, `Reading ${taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(taskIds, { projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const tasks = selection.tasks.map(describeTask);
    const missing = selection.missing;
    const summary =
      `${tasks.length} task(s) inspected` +
      (missing.length ? `, ${missing.length} not found in Kitsu` : '');
    return { summary, count: tasks.length, tasks, missing };
  }
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

export function describeTask(resolved: ResolvedTask): InspectedTask {
  const { task, entity, sequence, episode, project, taskType, taskStatus, assignees } = resolved;
  const entityData = (entity.data ?? {}) as Record<string, unknown>;
  return {
    id: task.id,
    name: task.name,
    project: {
      id: project.id,
      name: project.name,
      productionType: project.production_type ?? null,
    },
    episode: episode ? { id: episode.id, name: episode.name } : null,
    sequence: sequence ? { id: sequence.id, name: sequence.name } : null,
    entity: {
      id: entity.id,
      name: entity.name,
      type: resolved.entityType,
      nbFrames: numberOrNull(entity.nb_frames),
      frameIn: numberOrNull(entityData.frame_in),
      frameOut: numberOrNull(entityData.frame_out),
      fps: numberOrNull(entityData.fps),
    },
    taskType: { id: taskType.id, name: taskType.name, forEntity: taskType.for_entity ?? null },
    status: {
      id: taskStatus.id,
      name: taskStatus.name,
      shortName: taskStatus.short_name,
      isDone: Boolean(taskStatus.is_done),
      isRetake: Boolean(taskStatus.is_retake),
    },
    assignees: assignees.map((person) => ({
      id: person.id,
      fullName: person.full_name ?? `${person.first_name ?? ''} ${person.last_name ?? ''}`.trim(),
      email: person.email ?? null,
      ...(hasEmail(person) ? {} : { emailHidden: true as const }),
    })),
    estimationMinutes: numberOrNull(task.estimation),
    durationMinutes: numberOrNull(task.duration),
    retakeCount: numberOrNull(task.retake_count) ?? 0,
    dueDate: task.due_date ?? null,
    lastPreviewFileId: task.last_preview_file_id ?? null,
    data: task.data ?? {},
  };
}

@Module({ providers: [InspectAction] })
export class InspectModule {}
