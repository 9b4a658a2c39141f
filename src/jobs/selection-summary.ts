/**
 * Names of the selected tasks, for the job page. The page never calls Zou: actions that resolve
 * the selection put this summary in their result as `selection` (or, like inspect, return
 * `tasks` with entity and task type names, which is read the same way).
 */
export interface SelectionItem {
  taskId: string;
  projectId: string;
  episodeId: string | null;
  entity: { id: string; name: string; type: string };
  taskType: { id: string; name: string };
}

const MAX_ITEMS = 500;

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Reads one item in either shape; null when it lacks what a link needs. */
function toItem(raw: unknown): SelectionItem | null {
  const item = record(raw);
  if (!item) return null;
  const entity = record(item.entity);
  const taskType = record(item.taskType);
  const project = record(item.project);
  const episode = record(item.episode);
  const taskId = text(item.taskId) ?? text(item.id);
  const projectId = text(item.projectId) ?? text(project?.id);
  if (!taskId || !projectId || !entity || !taskType) return null;
  const entityId = text(entity.id);
  const taskTypeId = text(taskType.id);
  if (!entityId || !taskTypeId) return null;
  return {
    taskId,
    projectId,
    episodeId: text(item.episodeId) ?? text(episode?.id),
    entity: {
      id: entityId,
      name: text(entity.name) ?? entityId,
      type: text(entity.type) ?? 'asset',
    },
    taskType: { id: taskTypeId, name: text(taskType.name) ?? taskTypeId },
  };
}

export function selectionFromResult(result: unknown): SelectionItem[] | null {
  const body = record(result);
  if (!body) return null;
  const list = Array.isArray(body.selection)
    ? body.selection
    : Array.isArray(body.tasks)
      ? body.tasks
      : null;
  if (!list) return null;
  const items = list
    .slice(0, MAX_ITEMS)
    .map(toItem)
    .filter((item): item is SelectionItem => item !== null);
  return items.length ? items : null;
}
