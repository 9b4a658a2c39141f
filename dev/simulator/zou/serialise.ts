import type {
  ZouCustomAction,
  ZouEntity,
  ZouEntityType,
  ZouOrganisation,
  ZouPerson,
  ZouPlaylist,
  ZouProject,
  ZouTask,
  ZouTaskStatus,
  ZouTaskType,
} from '../../../src/zou/zou.types';
import type { SimComment, SimPreviewFile } from './dataset';

/**
 * Zou 1.0.67's serialisations (model.serialize() and the per-route variants), as recorded in
 * test/fixtures/zou-contract: the store keeps what the simulator uses, these add every other
 * column Zou sends with its usual empty value, so answers carry the same fields as Zou's.
 */

const PERSON_COLUMNS = {
  phone: null,
  country: null,
  contract_type: 'open-ended',
  archived: false,
  last_presence: null,
  totp_enabled: false,
  email_otp_enabled: false,
  fido_enabled: false,
  preferred_two_factor_authentication: null,
  shotgun_id: null,
  timezone: 'Europe/Paris',
  locale: 'en_US',
  use_12_hour_clock: false,
  display_date_format: 'YYYY-MM-DD',
  data: null,
  position: 'artist',
  seniority: 'mid',
  daily_salary: 0,
  has_avatar: false,
  notifications_enabled: false,
  notifications_slack_enabled: false,
  notifications_slack_userid: '',
  notifications_mattermost_enabled: false,
  notifications_mattermost_userid: '',
  notifications_discord_enabled: false,
  notifications_discord_userid: '',
  is_guest: false,
  expiration_date: null,
  is_generated_from_ldap: false,
  ldap_uid: null,
  studio_id: null,
};

/** The full person record (44 fields, email included): admins, managers, self in /auth. */
export function personFull(person: ZouPerson): Record<string, unknown> {
  return { ...PERSON_COLUMNS, ...person };
}

/** The full record as task `persons` embed it: without departments. */
export function personFullWithoutDepartments(person: ZouPerson): Record<string, unknown> {
  const { departments: _departments, ...rest } = personFull(person);
  return rest;
}

/** `/auth/authenticated` adds the caller's FIDO devices. */
export function personAuthenticated(person: ZouPerson): Record<string, unknown> {
  return { ...personFull(person), fido_devices: [] };
}

/** What non-managers get (serialize_safe): 12 fields, no email. */
export function personMinimal(person: ZouPerson): Record<string, unknown> {
  return {
    id: person.id,
    type: 'Person',
    first_name: person.first_name,
    last_name: person.last_name,
    full_name: person.full_name,
    has_avatar: false,
    active: person.active,
    departments: person.departments,
    studio_id: null,
    role: person.role,
    desktop_login: person.desktop_login,
    is_bot: person.is_bot,
  };
}

/** The author of a comment in a task's comment list. */
export function personOfCommentList(person: ZouPerson): Record<string, unknown> {
  return {
    id: person.id,
    first_name: person.first_name,
    last_name: person.last_name,
    full_name: person.full_name,
    has_avatar: false,
    role: person.role,
  };
}

/** The organisation; its chat tokens only for admins. */
export function organisation(row: ZouOrganisation, forAdmin: boolean): Record<string, unknown> {
  return {
    format_duration_in_hours: false,
    hd_by_default: false,
    ...(forAdmin
      ? { chat_token_slack: '', chat_webhook_mattermost: '', chat_token_discord: '' }
      : {}),
    dark_theme_by_default: false,
    created_at: '2020-01-01T00:00:00',
    updated_at: '2020-01-01T00:00:00',
    type: 'Organisation',
    ...row,
  };
}

export function task(row: ZouTask): Record<string, unknown> {
  return { completion_rate: 0, sort_order: 0, nb_assets_ready: 0, shotgun_id: null, ...row };
}

/** A task as /data/shots/:id and /data/assets/:id list them. */
export function taskOfEntity(row: ZouTask): Record<string, unknown> {
  return {
    id: row.id,
    duration: row.duration,
    due_date: row.due_date,
    end_date: row.end_date,
    done_date: row.done_date,
    entity_id: row.entity_id,
    estimation: row.estimation,
    is_subscribed: false,
    last_comment_date: row.last_comment_date,
    last_preview_file_id: row.last_preview_file_id,
    nb_assets_ready: 0,
    priority: row.priority,
    real_start_date: row.real_start_date,
    retake_count: row.retake_count,
    start_date: row.start_date,
    difficulty: row.difficulty,
    nb_drawings: row.nb_drawings,
    task_status_id: row.task_status_id,
    task_type_id: row.task_type_id,
    assignees: row.assignees,
    data: row.data,
  };
}

/**
 * An entity row as Zou's Entity model serialises it. Zou's shot/asset list routes send these
 * plain rows (no project or sequence names).
 */
export function entity(row: ZouEntity, createdBy: string | null = null): Record<string, unknown> {
  const {
    project_name: _project,
    sequence_name: _sequence,
    episode_id: _episode,
    asset_type_name: _assetType,
    ...plain
  } = row;
  return {
    code: null,
    shotgun_id: null,
    nb_entities_out: 0,
    is_casting_standby: false,
    is_shared: false,
    ready_for: null,
    created_by: createdBy,
    ...plain,
  };
}

/** Single entity reads add the casting links. */
export function entityWithLinks(
  row: ZouEntity,
  createdBy: string | null = null,
): Record<string, unknown> {
  return {
    ...entity(row, createdBy),
    entities_out: [],
    entity_concept_links: [],
    instance_casting: [],
    entities_in: [],
  };
}

export function entityType(row: ZouEntityType): Record<string, unknown> {
  return {
    short_name: null,
    description: null,
    archived: false,
    created_at: '2020-01-01T00:00:00',
    updated_at: '2020-01-01T00:00:00',
    ...row,
  };
}

export function taskType(row: ZouTaskType): Record<string, unknown> {
  return { description: null, archived: false, shotgun_id: null, ...row };
}

export function taskStatus(row: ZouTaskStatus): Record<string, unknown> {
  return { description: null, archived: false, shotgun_id: null, for_concept: false, ...row };
}

/** The short status a comment list embeds. */
export function taskStatusOfCommentList(row: ZouTaskStatus): Record<string, unknown> {
  return { id: row.id, name: row.name, short_name: row.short_name, color: row.color };
}

const PROJECT_COLUMNS = {
  shotgun_id: null,
  has_avatar: false,
  man_days: null,
  episode_span: 0,
  is_clients_isolated: false,
  is_preview_download_allowed: false,
  is_set_preview_automated: false,
  homepage: 'assets',
  is_publish_default_for_artists: false,
  is_bot_collaboration_enabled: false,
  is_single_preview_per_revision: false,
  is_frame_in_numbering: false,
  revision_padding: 0,
  hd_bitrate_compression: 28,
  ld_bitrate_compression: 6,
  default_preview_background_file_id: null,
  from_schedule_version_id: null,
};

/** A project with its relations (id lists), as lists with relations=true send it. */
export function project(row: ZouProject): Record<string, unknown> {
  return { ...PROJECT_COLUMNS, ...row, status_automations: [], preview_background_files: [] };
}

/** Without its relation lists (task full embeds it so). */
export function projectWithoutRelations(row: ZouProject): Record<string, unknown> {
  const {
    team: _team,
    task_types: _types,
    task_statuses: _statuses,
    asset_types: _assetTypes,
    ...plain
  } = row;
  return { ...PROJECT_COLUMNS, ...plain };
}

/** A preview file row as the CRUD routes send it (no URL: files are at fixed paths). */
export function previewFile(row: SimPreviewFile): Record<string, unknown> {
  const { previews: _previews, ...plain } = row;
  return {
    name: row.id.slice(0, 13),
    position: 1,
    description: null,
    path: null,
    source: 'webgui',
    file_size: 0,
    validation_status: 'neutral',
    data: null,
    token_in: null,
    token_out: null,
    source_file_id: null,
    shotgun_id: null,
    is_movie: row.extension === 'mp4',
    url: null,
    uploaded_movie_url: null,
    uploaded_movie_name: null,
    updated_at: row.created_at,
    type: 'PreviewFile',
    ...plain,
  };
}

/** The reduced preview of /data/playlists/entities/:id/preview-files. */
export function previewOfEntity(row: SimPreviewFile): Record<string, unknown> {
  return {
    id: row.id,
    revision: row.revision,
    original_name: row.original_name,
    extension: row.extension,
    width: row.width,
    height: row.height,
    duration: row.duration,
    status: row.status,
    annotations: row.annotations,
    previews: row.previews,
    created_at: row.created_at,
    task_id: row.task_id,
    original_width: null,
    original_height: null,
    original_duration: null,
    original_file_size: null,
  };
}

const COMMENT_COLUMNS = {
  shotgun_id: null,
  data: null,
  replies: [],
  pinned: null,
  for_client: false,
  editor_id: null,
  preview_file_id: null,
  previews: [],
  mentions: [],
  department_mentions: [],
  acknowledgements: [],
  attachment_files: [],
};

export function comment(row: SimComment): Record<string, unknown> {
  return { ...COMMENT_COLUMNS, ...row };
}

/**
 * A playlist. Zou stores `shots` as NULL until something is added; the POST and single reads add
 * `build_jobs`, the lists do not.
 */
export function playlist(row: ZouPlaylist, withBuildJobs: boolean): Record<string, unknown> {
  const shaped: Record<string, unknown> = {
    ...row,
    shots: row.shots.length > 0 ? row.shots : null,
  };
  if (withBuildJobs) shaped.build_jobs = [];
  return shaped;
}

export function customAction(row: ZouCustomAction): Record<string, unknown> {
  return { ...row };
}
