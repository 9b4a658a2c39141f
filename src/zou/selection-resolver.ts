import { Injectable } from '@nestjs/common';
import { mapBounded } from './call-limiter';
import { ZouClient } from './zou.client';
import type {
  ZouEntity,
  ZouPerson,
  ZouProject,
  ZouSelectableEntityType,
  ZouTask,
  ZouTaskStatus,
  ZouTaskType,
} from './zou.types';

export interface ResolvedTask {
  task: ZouTask;
  entity: ZouEntity;
  entityType: ZouSelectableEntityType;
  /** The shot's sequence, or the entity itself when it is a sequence. */
  sequence: ZouEntity | null;
  /** The episode above the sequence (TV shows), the entity itself for an episode. */
  episode: ZouEntity | null;
  project: ZouProject;
  taskType: ZouTaskType;
  taskStatus: ZouTaskStatus;
  /** With `email` when the service account may read it (see ZouClient.getPersonsWithEmails). */
  assignees: ZouPerson[];
}

export interface ResolvedSelection {
  /** In selection order. */
  tasks: ResolvedTask[];
  /** Task ids Zou does not know (or the service account may not see), or whose links are broken. */
  missing: string[];
}

const SELECTABLE = new Set<string>(['Shot', 'Asset', 'Sequence', 'Episode', 'Edit']);

/**
 * Turns a selection of task ids into everything an action needs about each task, in bulk:
 * the number of Zou calls grows with ids / IDS_PER_CALL and with projects, not with tasks.
 * For 1,000 tasks of one project: ~13 task reads, a few entity reads, the project, the cached
 * task types and statuses, and one read of the assignees (plus one team read per project when
 * Zou hides their addresses from the person list, as it does for non-admins).
 */
@Injectable()
export class SelectionResolver {
  constructor(private readonly zou: ZouClient) {}

  /**
   * `_hint` is Kitsu's `productionid`: the page's project, or on "My tasks" the FIRST selected
   * task's, so a selection may span projects while naming one. It never narrows the read (that
   * dropped the other projects' tasks as missing); authorization judged each task in its own
   * project. Kept in the signature for the callers that pass it.
   */
  async resolve(
    taskIds: string[],
    _hint: { projectId?: string | null } = {},
  ): Promise<ResolvedSelection> {
    const [{ tasks, missing }, taskTypes, taskStatuses] = await Promise.all([
      this.zou.getTasksByIds(taskIds),
      this.zou.getTaskTypes(),
      this.zou.getTaskStatuses(),
    ]);
    const projectIds = [...new Set(tasks.map((task) => task.project_id))];
    const [entities, projects, persons] = await Promise.all([
      this.loadEntitiesWithParents(tasks.map((task) => task.entity_id)),
      mapBounded(projectIds, 4, (id) => this.zou.getProject(id)),
      this.zou.getPersonsWithEmails(
        tasks.flatMap((task) => task.assignees ?? []),
        projectIds,
      ),
    ]);
    const projectById = byId(projects);
    const personById = byId(persons);
    const taskTypeById = byId(taskTypes);
    const statusById = byId(taskStatuses);

    const resolved: ResolvedTask[] = [];
    const broken: string[] = [];
    for (const task of tasks) {
      const entity = entities.get(task.entity_id);
      const project = projectById.get(task.project_id);
      const taskType = taskTypeById.get(task.task_type_id);
      const taskStatus = statusById.get(task.task_status_id);
      if (!entity || !project || !taskType || !taskStatus || !SELECTABLE.has(entity.type)) {
        broken.push(task.id);
        continue;
      }
      const { sequence, episode } = lineage(entity, entities);
      resolved.push({
        task,
        entity,
        entityType: entity.type as ZouSelectableEntityType,
        sequence,
        episode,
        project,
        taskType,
        taskStatus,
        assignees: (task.assignees ?? []).flatMap((id) => personById.get(id) ?? []),
      });
    }
    return { tasks: resolved, missing: [...missing, ...broken] };
  }

  /** Entities, then their parents, then the parents' parents (shot -> sequence -> episode). */
  private async loadEntitiesWithParents(entityIds: string[]): Promise<Map<string, ZouEntity>> {
    const known = new Map<string, ZouEntity>();
    let wanted = [...new Set(entityIds)];
    for (let depth = 0; depth < 3 && wanted.length > 0; depth++) {
      const found = await this.zou.getEntities(wanted);
      for (const entity of found) known.set(entity.id, entity);
      wanted = [
        ...new Set(
          found
            .filter((entity) => entity.type !== 'Asset' && entity.type !== 'Episode')
            .flatMap((entity) => (entity.parent_id ? [entity.parent_id] : []))
            .filter((id) => !known.has(id)),
        ),
      ];
    }
    return known;
  }
}

function lineage(
  entity: ZouEntity,
  entities: Map<string, ZouEntity>,
): { sequence: ZouEntity | null; episode: ZouEntity | null } {
  const parent = entity.parent_id ? (entities.get(entity.parent_id) ?? null) : null;
  switch (entity.type) {
    case 'Shot': {
      const grandParent = parent?.parent_id ? (entities.get(parent.parent_id) ?? null) : null;
      return { sequence: parent, episode: grandParent?.type === 'Episode' ? grandParent : null };
    }
    case 'Sequence':
      return { sequence: entity, episode: parent?.type === 'Episode' ? parent : null };
    case 'Episode':
      return { sequence: null, episode: entity };
    case 'Edit':
      return { sequence: null, episode: parent?.type === 'Episode' ? parent : null };
    default:
      return { sequence: null, episode: null };
  }
}

function byId<T extends { id: string }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.id, row]));
}
