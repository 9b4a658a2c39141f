/**
 * Shapes of what Zou answers, as read from its models and serializers (see
 * /work/shared/reference/zou-api.md). Dates are strings as Zou sends them
 * (`2024-05-01T10:00:00`, or `2024-05-01` for date-only columns).
 * Zou sends more fields than are listed here; only the ones we rely on are typed.
 */

/** The entity kinds Zou names in `type` (everything that is not one of the others is an Asset). */
export type ZouEntityTypeName =
  'Shot' | 'Asset' | 'Sequence' | 'Episode' | 'Edit' | 'Scene' | 'Concept';

/** The kinds a custom action selection can hold. */
export type ZouSelectableEntityType = 'Shot' | 'Asset' | 'Sequence' | 'Episode' | 'Edit';

export type ZouRole = 'admin' | 'manager' | 'supervisor' | 'user' | 'client' | 'vendor';

export type ZouProductionType = 'short' | 'featurefilm' | 'tvshow';

export type ZouJson = string | number | boolean | null | ZouJson[] | { [key: string]: ZouJson };
export type ZouData = Record<string, ZouJson>;

export interface ZouTask {
  id: string;
  type: 'Task';
  name: string;
  description: string | null;
  project_id: string;
  task_type_id: string;
  task_status_id: string;
  entity_id: string;
  /** Person ids. Zou's CRUD lists send it only with `relations=true` (the client always asks). */
  assignees: string[];
  assigner_id: string | null;
  priority: number;
  difficulty: number;
  /** Minutes. */
  estimation: number;
  /** Minutes spent (sum of time spents). */
  duration: number;
  retake_count: number;
  nb_drawings: number;
  start_date: string | null;
  due_date: string | null;
  real_start_date: string | null;
  end_date: string | null;
  done_date: string | null;
  last_comment_date: string | null;
  last_preview_file_id: string | null;
  data: ZouData | null;
  created_at: string;
  updated_at: string;
}

export type ZouEntityData = ZouData;

/** Shots carry their frame range in `data` (frame_in/frame_out/fps), `nb_frames` on the entity. */
export interface ZouEntity {
  id: string;
  type: ZouEntityTypeName;
  name: string;
  description: string | null;
  project_id: string;
  entity_type_id: string;
  /** Shot -> its sequence, sequence -> its episode, edit -> its episode; null otherwise. */
  parent_id: string | null;
  /** For assets of a TV show: the episode they were created in. */
  source_id: string | null;
  nb_frames: number | null;
  preview_file_id: string | null;
  status: string;
  canceled: boolean;
  data: ZouEntityData | null;
  created_at: string;
  updated_at: string;
  /** Only on list routes such as /data/projects/:id/shots. */
  project_name?: string;
  sequence_name?: string;
  episode_id?: string | null;
  asset_type_name?: string;
}

export interface ZouEntityType {
  id: string;
  type: 'EntityType';
  name: string;
}

export interface ZouProject {
  id: string;
  type: 'Project';
  name: string;
  code: string | null;
  description: string | null;
  /** Zou stores fps, ratio and resolution as strings ("25", "16:9", "1920x1080"). */
  fps: string | null;
  ratio: string | null;
  resolution: string | null;
  production_type: ZouProductionType;
  production_style: string;
  project_status_id: string;
  start_date: string | null;
  end_date: string | null;
  nb_episodes: number;
  max_retakes: number;
  file_tree: ZouData | null;
  data: ZouData | null;
  /** Person ids of the team. Zou's CRUD list sends it only with `relations=true`. */
  team: string[];
  task_types: string[];
  task_statuses: string[];
  asset_types: string[];
  created_at: string;
  updated_at: string;
}

export interface ZouPerson {
  id: string;
  type: 'Person';
  first_name: string;
  last_name: string;
  full_name: string;
  /**
   * Absent from the minimal record Zou 1.0.67 gives callers without the right to read it: the
   * person list for non-admins, single reads for non-managers (see ZouClient.hasEmail).
   */
  email?: string;
  role: ZouRole;
  active: boolean;
  is_bot: boolean;
  desktop_login: string;
  departments: string[];
  created_at: string;
  updated_at: string;
}

/** A member of `GET /data/projects/:id/team`: null project_role = the global role applies. */
export type ZouTeamMember = ZouPerson & { project_role: ZouRole | null };

export type ZouTaskTypeFor = 'Asset' | 'Shot' | 'Sequence' | 'Episode' | 'Edit' | 'Concept';

export interface ZouTaskType {
  id: string;
  type: 'TaskType';
  name: string;
  short_name: string;
  color: string;
  priority: number;
  for_entity: ZouTaskTypeFor;
  allow_timelog: boolean;
  department_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ZouTaskStatus {
  id: string;
  type: 'TaskStatus';
  name: string;
  short_name: string;
  color: string;
  priority: number;
  is_done: boolean;
  is_retake: boolean;
  is_wip: boolean;
  is_feedback_request: boolean;
  is_artist_allowed: boolean;
  is_client_allowed: boolean;
  is_default: boolean;
  created_at: string;
  updated_at: string;
}

export interface ZouTaskFull extends ZouTask {
  entity: ZouEntity;
  entity_type: ZouEntityType;
  project: ZouProject;
  task_type: ZouTaskType;
  task_status: ZouTaskStatus;
  persons: ZouPerson[];
  assigner?: ZouPerson;
  /** Absent for assets. */
  sequence?: ZouEntity;
  /** Absent for assets and for shots of projects without episodes. */
  episode?: ZouEntity;
  is_subscribed: boolean;
}

export type ZouPlaylistFor = 'shot' | 'asset' | 'sequence' | 'edit' | 'episode';

/** One playlist entry: the couple (entity, preview). */
export interface ZouPlaylistEntry {
  entity_id: string;
  preview_file_id?: string | null;
}

export interface ZouPlaylist {
  id: string;
  type: 'Playlist';
  name: string;
  project_id: string;
  episode_id: string | null;
  task_type_id: string | null;
  for_client: boolean;
  for_entity: ZouPlaylistFor;
  is_for_all: boolean;
  shots: ZouPlaylistEntry[];
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface ZouPlaylistInput {
  name: string;
  project_id: string;
  episode_id?: string | null;
  task_type_id?: string | null;
  for_client?: boolean;
  for_entity?: ZouPlaylistFor;
  is_for_all?: boolean;
}

export interface ZouPreviewFile {
  id: string;
  revision: number;
  original_name: string;
  extension: string;
  width: number;
  height: number;
  duration: number;
  status: string;
  task_id: string;
  created_at: string;
  annotations: ZouJson[];
  /** Other files of the same revision (multi-file previews). */
  previews: ZouPreviewFile[];
}

/** `GET /data/playlists/entities/:id/preview-files`: task type id -> previews, newest revision first. */
export type ZouEntityPreviews = Record<string, ZouPreviewFile[]>;

export interface ZouComment {
  id: string;
  type: 'Comment';
  object_id: string;
  object_type: 'Task';
  person_id: string;
  task_status_id: string;
  text: string;
  checklist: ZouJson[];
  links: string[];
  created_at: string;
  updated_at: string;
  task_status: ZouTaskStatus;
  person: ZouPerson;
}

export interface ZouCustomAction {
  id: string;
  type: 'CustomAction';
  name: string;
  url: string;
  /** `all`, `asset` or `shot` in Kitsu's form (lower case). */
  entity_type: string;
  is_ajax: boolean;
  created_at: string;
  updated_at: string;
}

export interface ZouCustomActionInput {
  name: string;
  url: string;
  entity_type?: string;
  is_ajax?: boolean;
}

export interface ZouOrganisation {
  id: string;
  name: string;
  hours_by_day: number;
  [key: string]: ZouJson;
}

export interface ZouAuthenticated {
  authenticated: true;
  user: ZouPerson;
  organisation: ZouOrganisation;
}

export interface ZouLoginResponse {
  login: true;
  user: ZouPerson;
  organisation: ZouOrganisation;
  access_token: string;
  refresh_token: string;
}

export interface ZouApiInfo {
  api: string;
  version: string;
}

/** The envelope of a paged list (`?page=N&limit=M`). */
export interface ZouPage<T> {
  data: T[];
  total: number;
  nb_pages: number;
  limit: number;
  offset: number;
  page: number;
}

export interface ZouTimeSpent {
  id: string;
  type: 'TimeSpent';
  task_id: string;
  person_id: string;
  /** Minutes. */
  duration: number;
  date: string;
  created_at: string;
  updated_at: string;
}

/** Counts of one status in `episodes/stats`. */
export interface ZouStatusCount {
  name: string;
  color: string;
  count: number;
  frames: number;
  drawings: number;
}

/** `episodes/stats`: episode id (or "all") -> task type id (or "all") -> task status id -> counts. */
export type ZouEpisodeStats = Record<string, Record<string, Record<string, ZouStatusCount>>>;

export interface ZouCountBucket {
  count: number;
  frames: number;
  drawings: number;
}

export interface ZouRetakeEntry {
  max_retake_count: number;
  /** Take number ("1", "2"...) -> how tasks stood at that take. */
  evolution: Record<
    string,
    { done: ZouCountBucket; retake: ZouCountBucket; other: ZouCountBucket }
  >;
  done: ZouCountBucket;
  retake: ZouCountBucket;
  other: ZouCountBucket;
}

/** `episodes/retake-stats`: episode id (or "all") -> task type id (or "all") -> entry. */
export type ZouRetakeStats = Record<string, Record<string, ZouRetakeEntry>>;

/** Query filters for task lists: any task column, as Zou takes them (`id` may be a list). */
export interface ZouTaskFilters {
  project_id?: string;
  entity_id?: string;
  task_type_id?: string;
  task_status_id?: string;
  assigner_id?: string;
  /** A person id: tasks this person is assigned to. */
  assignees?: string;
  id?: string | string[];
  name?: string;
  [column: string]: string | string[] | undefined;
}
