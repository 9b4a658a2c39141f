import type { ResolvedTask } from '../../zou/selection-resolver';
import type { ZouPlaylistFor } from '../../zou/zou.types';

/** A selected task that will not be in any playlist entry, and why. */
export interface SkippedTask {
  taskId: string;
  entityName: string | null;
  taskType: string | null;
  reason: string;
}

export interface PlannedEntry {
  taskId: string;
  entityId: string;
  previewFileId: string;
  /** Kept as is when commenting (Zou's comment route needs a status). */
  taskStatusId: string;
}

/** One playlist to create: a project, an episode (TV shows) and an entity type. */
export interface PlaylistGroup {
  key: string;
  projectId: string;
  projectName: string;
  episodeId: string | null;
  episodeName: string | null;
  forEntity: ZouPlaylistFor;
  /** Set when every task of the group has the same task type. */
  taskTypeId: string | null;
  taskTypeNames: string[];
  /** In selection order. */
  entries: PlannedEntry[];
  skipped: SkippedTask[];
}

const FOR_ENTITY: Record<ResolvedTask['entityType'], ZouPlaylistFor> = {
  Shot: 'shot',
  Asset: 'asset',
  Sequence: 'sequence',
  Edit: 'edit',
  Episode: 'episode',
};

/**
 * Groups resolved tasks (in selection order) into playlists. `previewOf` gives the preview to show
 * for a task, or null when it has none; such tasks are listed as skipped in their group.
 */
export function planPlaylists(
  tasks: ResolvedTask[],
  previewOf: (task: ResolvedTask) => string | null,
): PlaylistGroup[] {
  const groups = new Map<string, PlaylistGroup & { taskTypeIds: Set<string> }>();
  for (const resolved of tasks) {
    const episode = resolved.project.production_type === 'tvshow' ? resolved.episode : null;
    const forEntity = FOR_ENTITY[resolved.entityType];
    const key = `${resolved.project.id}|${episode?.id ?? ''}|${forEntity}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        projectId: resolved.project.id,
        projectName: resolved.project.name,
        episodeId: episode?.id ?? null,
        episodeName: episode?.name ?? null,
        forEntity,
        taskTypeId: null,
        taskTypeNames: [],
        entries: [],
        skipped: [],
        taskTypeIds: new Set(),
      };
      groups.set(key, group);
    }
    if (!group.taskTypeIds.has(resolved.taskType.id)) {
      group.taskTypeIds.add(resolved.taskType.id);
      group.taskTypeNames.push(resolved.taskType.name);
    }
    const preview = previewOf(resolved);
    if (preview) {
      group.entries.push({
        taskId: resolved.task.id,
        entityId: resolved.entity.id,
        previewFileId: preview,
        taskStatusId: resolved.task.task_status_id,
      });
    } else {
      group.skipped.push({
        taskId: resolved.task.id,
        entityName: resolved.entity.name,
        taskType: resolved.taskType.name,
        reason: 'no preview for this task yet',
      });
    }
  }
  return [...groups.values()].map(({ taskTypeIds, ...group }) => ({
    ...group,
    taskTypeId: taskTypeIds.size === 1 ? [...taskTypeIds][0] : null,
  }));
}

export interface NameParts {
  taskType: string;
  project: string;
  episode: string | null;
  entityType: string;
  at: Date;
  timeZone: string;
}

/** Fills the name template; unknown placeholders are left as written so a typo shows. */
export function playlistName(template: string, parts: NameParts): string {
  const clock = new Intl.DateTimeFormat('en-CA', {
    timeZone: parts.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(parts.at);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    clock.find((item) => item.type === type)?.value ?? '';
  const values: Record<string, string> = {
    task_type: parts.taskType,
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}`,
    project: parts.project,
    episode: parts.episode ?? '',
    entity_type: parts.entityType,
  };
  return template
    .replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
    .replace(/\s+/g, ' ')
    .trim();
}

/** `name`, then `name (2)`, `name (3)`... */
export function suffixedName(name: string, attempt: number): string {
  return attempt <= 1 ? name : `${name} (${attempt})`;
}

/** First free name among `name`, `name (2)`... given the names already taken. */
export function freeName(name: string, taken: Set<string>, from = 1): string {
  for (let attempt = from; ; attempt++) {
    const candidate = suffixedName(name, attempt);
    if (!taken.has(candidate)) return candidate;
  }
}

/** `{KITSU_URL}/productions/{project}[/episodes/{episode}]/playlists/{id}` */
export function playlistUrl(
  kitsuUrl: string,
  projectId: string,
  episodeId: string | null,
  playlistId: string,
): string {
  const episode = episodeId ? `/episodes/${encodeURIComponent(episodeId)}` : '';
  return `${kitsuUrl.replace(/\/+$/, '')}/productions/${encodeURIComponent(projectId)}${episode}/playlists/${encodeURIComponent(playlistId)}`;
}

const NOUN: Record<ZouPlaylistFor, [string, string]> = {
  shot: ['shot', 'shots'],
  asset: ['asset', 'assets'],
  sequence: ['sequence', 'sequences'],
  edit: ['edit', 'edits'],
  episode: ['episode', 'episodes'],
};

export function countOf(count: number, forEntity: ZouPlaylistFor): string {
  return `${count} ${NOUN[forEntity][count === 1 ? 0 : 1]}`;
}
