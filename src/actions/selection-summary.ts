import type { ResolvedTask } from '../zou/selection-resolver';

/**
 * Names of the selected tasks, for the job page's Selection panel. The page never calls Zou:
 * every action that resolves the selection puts this summary in its result as `selection`
 * (`selection: summarizeSelection(resolved.tasks)`); inspect's `tasks`, with entity and task type
 * names, is read the same way.
 */
export interface SelectionItem {
  taskId: string;
  projectId: string;
  /** The production's name (absent on jobs stored before it was kept). */
  projectName?: string;
  episodeId: string | null;
  entity: { id: string; name: string; type: string };
  taskType: { id: string; name: string };
  /** The shot's sequence name, so "SH010" of two sequences can be told apart. */
  sequenceName?: string | null;
}

/** A result holding names of at most this many tasks stays small in Redis and on the page. */
export const MAX_SELECTION_ITEMS = 500;

/** The `selection` field of an action's result, in selection order, capped. */
export function summarizeSelection(tasks: readonly ResolvedTask[]): SelectionItem[] {
  return tasks.slice(0, MAX_SELECTION_ITEMS).map((resolved) => ({
    taskId: resolved.task.id,
    projectId: resolved.project.id,
    projectName: resolved.project.name,
    // An episode's own page takes no episode segment; everything under one does (TV shows).
    episodeId: resolved.entityType !== 'Episode' && resolved.episode ? resolved.episode.id : null,
    entity: { id: resolved.entity.id, name: resolved.entity.name, type: resolved.entityType },
    taskType: { id: resolved.taskType.id, name: resolved.taskType.name },
    sequenceName:
      resolved.entityType === 'Shot' && resolved.sequence ? resolved.sequence.name : null,
  }));
}

/** The productions a selection spans, by name, for a heading: "Forest Tales", or several. */
export function selectionProjects(items: readonly SelectionItem[]): string {
  const names = [...new Set(items.map((item) => item.projectName).filter(Boolean))];
  return names.join(', ');
}

/** `{ selection }` to spread into a result whose type does not name the field (yet). */
export function selectionField(tasks: readonly ResolvedTask[]): { selection: SelectionItem[] } {
  return { selection: summarizeSelection(tasks) };
}

/** What a person calls the task: "SQ01 / SH010 · Animation". */
export function selectionItemLabel(item: SelectionItem): string {
  const entity = item.sequenceName
    ? `${item.sequenceName} / ${item.entity.name}`
    : item.entity.name;
  return `${entity} · ${item.taskType.name}`;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Reads one item in either shape (summary or inspect's task); null when it lacks what a link needs. */
function toItem(raw: unknown): SelectionItem | null {
  const item = record(raw);
  if (!item) return null;
  const entity = record(item.entity);
  const taskType = record(item.taskType);
  const project = record(item.project);
  const episode = record(item.episode);
  const sequence = record(item.sequence);
  const taskId = text(item.taskId) ?? text(item.id);
  const projectId = text(item.projectId) ?? text(project?.id);
  if (!taskId || !projectId || !entity || !taskType) return null;
  const entityId = text(entity.id);
  const taskTypeId = text(taskType.id);
  if (!entityId || !taskTypeId) return null;
  const type = text(entity.type) ?? 'asset';
  const projectName = text(item.projectName) ?? text(project?.name);
  return {
    taskId,
    projectId,
    ...(projectName ? { projectName } : {}),
    episodeId: text(item.episodeId) ?? text(episode?.id),
    entity: { id: entityId, name: text(entity.name) ?? entityId, type },
    taskType: { id: taskTypeId, name: text(taskType.name) ?? taskTypeId },
    sequenceName:
      text(item.sequenceName) ?? (type.toLowerCase() === 'shot' ? text(sequence?.name) : null),
  };
}

/**
 * The names an action's stored result carries (`selection`, else `tasks`), or null when none.
 * The result comes from Redis as-is, so every field is checked.
 */
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
    .slice(0, MAX_SELECTION_ITEMS)
    .map(toItem)
    .filter((item): item is SelectionItem => item !== null);
  return items.length ? items : null;
}

/** Task id -> its names, for renderers that list tasks of their own (notify, launch). */
export function selectionIndex(result: unknown): Map<string, SelectionItem> {
  return new Map((selectionFromResult(result) ?? []).map((item) => [item.taskId, item]));
}
