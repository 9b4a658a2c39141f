/**
 * Links into the Kitsu web app, following the routes of Kitsu's front-end router
 * (cgwire/kitsu src/router/routes.js): `productions/:production_id/:type/tasks/:task_id`,
 * `productions/:production_id/shots/:shot_id`, `.../:type/task-types/:task_type_id`, with an
 * `episodes/:episode_id/` segment for TV shows.
 */
export interface KitsuPlace {
  projectId: string;
  episodeId?: string | null;
}

const SECTION_BY_TYPE: Record<string, string> = {
  shot: 'shots',
  asset: 'assets',
  sequence: 'sequences',
  edit: 'edits',
  episode: 'episodes',
};

/** Kitsu's URL section for an entity type name ('Shot', 'asset', 'Character' -> assets). */
function sectionFor(entityType: string): string {
  return SECTION_BY_TYPE[entityType.toLowerCase()] ?? 'assets';
}

function base(kitsuUrl: string, place: KitsuPlace): string {
  const episode = place.episodeId ? `/episodes/${encodeURIComponent(place.episodeId)}` : '';
  return `${kitsuUrl}/productions/${encodeURIComponent(place.projectId)}${episode}`;
}

export function kitsuTaskUrl(
  kitsuUrl: string,
  place: KitsuPlace,
  entityType: string,
  taskId: string,
): string {
  return `${base(kitsuUrl, place)}/${sectionFor(entityType)}/tasks/${encodeURIComponent(taskId)}`;
}

export function kitsuEntityUrl(
  kitsuUrl: string,
  place: KitsuPlace,
  entityType: string,
  entityId: string,
): string {
  return `${base(kitsuUrl, place)}/${sectionFor(entityType)}/${encodeURIComponent(entityId)}`;
}

export function kitsuTaskTypeUrl(
  kitsuUrl: string,
  place: KitsuPlace,
  entityType: string,
  taskTypeId: string,
): string {
  return `${base(kitsuUrl, place)}/${sectionFor(entityType)}/task-types/${encodeURIComponent(taskTypeId)}`;
}

/** A person's page in Kitsu (their tasks, timesheets). */
export function kitsuPersonUrl(kitsuUrl: string, personId: string): string {
  return `${kitsuUrl}/people/${encodeURIComponent(personId)}`;
}
