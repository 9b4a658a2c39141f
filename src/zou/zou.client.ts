import type { CallGate } from './shared-rate-gate';
import { mapBounded } from './call-limiter';
import { TtlCache } from './ttl-cache';
import type { ZouConfig } from './zou.config';
import { ZouForbiddenError, ZouNotAuthenticatedError, ZouNotFoundError } from './zou.errors';
import {
  ZouTransport,
  type QueryValue,
  type ZouLogger,
  type ZouOnCall,
  type ZouStats,
} from './zou-transport';
import type {
  ZouApiInfo,
  ZouAuthenticated,
  ZouComment,
  ZouCustomAction,
  ZouCustomActionInput,
  ZouEntity,
  ZouEntityPreviews,
  ZouEpisodeStats,
  ZouPage,
  ZouPerson,
  ZouPlaylist,
  ZouPlaylistEntry,
  ZouPlaylistInput,
  ZouPreviewFile,
  ZouProject,
  ZouRetakeStats,
  ZouTask,
  ZouTaskFilters,
  ZouTaskFull,
  ZouTaskStatus,
  ZouTaskType,
  ZouTeamMember,
} from './zou.types';

/**
 * Ids per bulk read. Zou takes `id=["…","…"]` as an IN filter; Zou runs behind gunicorn, whose
 * request line limit is 4094 bytes, and each URL-encoded id costs about 45 bytes.
 */
export const IDS_PER_CALL = 80;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TasksByIds {
  /** Found tasks, in the order their ids were given (duplicates folded). */
  tasks: ZouTask[];
  /** Ids Zou does not know, or that the service account may not see, or that are not UUIDs. */
  missing: string[];
}

export interface ZouCommentInput {
  /** Leave out to keep the task's current status. */
  taskStatusId?: string;
  comment: string;
  /** Author to credit; Zou honours it only when the service account is a manager or admin. */
  personId?: string;
  checklist?: Array<{ text: string; checked: boolean }>;
  links?: string[];
}

/** Which route added entities to playlists last time: Zou versions differ. */
export type PlaylistAddMode = 'bulk' | 'single' | 'replace';

export interface ZouClientHooks {
  onCall?: ZouOnCall;
  /** Shared calls-per-second budget across processes (see SharedRateGate). */
  gate?: CallGate;
}

/**
 * The one way to talk to Zou: typed calls, bulk reads, caches for reference data, typed errors
 * (zou.errors.ts), and retries, limits and authentication from the transport.
 */
export class ZouClient {
  private readonly http: ZouTransport;
  private readonly referenceCache = new TtlCache<ZouTaskType[] | ZouTaskStatus[]>(5 * 60_000);
  private readonly projectCache = new TtlCache<ZouProject>(30_000, { maxEntries: 500 });
  private readonly personCache = new TtlCache<ZouPerson>(60_000, { maxEntries: 5000 });
  private playlistMode: PlaylistAddMode | null = null;

  constructor(
    readonly config: ZouConfig,
    logger?: ZouLogger,
    hooks: ZouClientHooks = {},
  ) {
    this.http = new ZouTransport(config, logger);
    this.http.onCall = hooks.onCall;
    this.http.gate = hooks.gate;
  }

  /** Called after every HTTP attempt; for metrics. */
  set onCall(hook: ZouOnCall | undefined) {
    this.http.onCall = hook;
  }

  get onCall(): ZouOnCall | undefined {
    return this.http.onCall;
  }

  get isConfigured(): boolean {
    return this.config.isConfigured;
  }

  stats(): ZouStats {
    return this.http.stats();
  }

  resetStats(): void {
    this.http.resetStats();
  }

  /** Forgets cached task types, statuses, projects and persons. */
  clearCaches(): void {
    this.referenceCache.clear();
    this.projectCache.clear();
    this.personCache.clear();
  }

  /** How playlists were last filled (null until the first call). */
  get playlistAddMode(): PlaylistAddMode | null {
    return this.playlistMode;
  }

  // --- service ---------------------------------------------------------------------------------

  /** `GET /` needs no token: Zou is up and answering. */
  ping(): Promise<ZouApiInfo> {
    return this.http.request({ method: 'GET', route: '/', auth: { kind: 'none' } });
  }

  /** Who the service account is; fails with ZouNotAuthenticatedError when its token is bad. */
  whoAmI(): Promise<ZouAuthenticated> {
    return this.http.request({ method: 'GET', route: '/auth/authenticated' });
  }

  /**
   * Verifies a Kitsu session: asks Zou who `callerToken` belongs to, with that token.
   * Null when Zou does not accept it (401/422); other failures throw.
   */
  async authenticatedAs(callerToken: string): Promise<ZouAuthenticated | null> {
    try {
      return await this.http.request<ZouAuthenticated>({
        method: 'GET',
        route: '/auth/authenticated',
        auth: { kind: 'caller', token: callerToken },
      });
    } catch (error) {
      if (error instanceof ZouNotAuthenticatedError) return null;
      throw error;
    }
  }

  // --- tasks -----------------------------------------------------------------------------------

  getTask(id: string): Promise<ZouTask> {
    return this.http.request({ method: 'GET', route: '/data/tasks/:id', params: { id } });
  }

  getTaskFull(id: string): Promise<ZouTaskFull> {
    return this.http.request({ method: 'GET', route: '/data/tasks/:id/full', params: { id } });
  }

  /** Every task matching the filters, walking Zou's pages (assignees included). */
  getTasks(filters: ZouTaskFilters = {}): Promise<ZouTask[]> {
    return this.walk<ZouTask>('/data/tasks', { ...filters, relations: true });
  }

  getProjectTasks(projectId: string, filters: ZouTaskFilters = {}): Promise<ZouTask[]> {
    return this.getTasks({ ...filters, project_id: projectId });
  }

  /**
   * Reads many tasks in ceil(n / IDS_PER_CALL) calls (Zou's `id` list filter), run in parallel
   * up to ZOU_MAX_CONCURRENCY. A project hint narrows each read to that project, so tasks of
   * other projects come back as missing.
   */
  async getTasksByIds(
    ids: string[],
    hint: { projectId?: string | null } = {},
  ): Promise<TasksByIds> {
    const { found, missing } = await this.readByIds<ZouTask>('/data/tasks', ids, {
      relations: true,
      project_id: hint.projectId ?? undefined,
    });
    return { tasks: found, missing };
  }

  // --- entities --------------------------------------------------------------------------------

  getEntity(id: string): Promise<ZouEntity> {
    return this.http.request({ method: 'GET', route: '/data/entities/:id', params: { id } });
  }

  /** Entities by id in bulk (found ones, in the given order). */
  async getEntities(ids: string[]): Promise<ZouEntity[]> {
    return (await this.readByIds<ZouEntity>('/data/entities', ids, {})).found;
  }

  getShot(id: string): Promise<ZouEntity> {
    return this.http.request({ method: 'GET', route: '/data/shots/:id', params: { id } });
  }

  getAsset(id: string): Promise<ZouEntity> {
    return this.http.request({ method: 'GET', route: '/data/assets/:id', params: { id } });
  }

  getSequence(id: string): Promise<ZouEntity> {
    return this.http.request({ method: 'GET', route: '/data/sequences/:id', params: { id } });
  }

  getEpisode(id: string): Promise<ZouEntity> {
    return this.http.request({ method: 'GET', route: '/data/episodes/:id', params: { id } });
  }

  getShots(projectId: string): Promise<ZouEntity[]> {
    return this.projectList('/data/projects/:id/shots', projectId);
  }

  getAssets(projectId: string): Promise<ZouEntity[]> {
    return this.projectList('/data/projects/:id/assets', projectId);
  }

  getSequences(projectId: string): Promise<ZouEntity[]> {
    return this.projectList('/data/projects/:id/sequences', projectId);
  }

  getEpisodes(projectId: string): Promise<ZouEntity[]> {
    return this.projectList('/data/projects/:id/episodes', projectId);
  }

  // --- projects and people ---------------------------------------------------------------------

  /** Cached for 30 s: teams change rarely and every job needs its project. */
  getProject(id: string): Promise<ZouProject> {
    return this.projectCache.get(id, () =>
      this.http.request({ method: 'GET', route: '/data/projects/:id', params: { id } }),
    );
  }

  /** The project with its team, read fresh (authorization keeps its own short cache). */
  readProject(id: string): Promise<ZouProject> {
    return this.http.request({ method: 'GET', route: '/data/projects/:id', params: { id } });
  }

  /**
   * The team with each member's per-project role (`project_role`), read fresh: the only Zou
   * answer that shows per-project roles. Zou sends managers full records (with email) and
   * everyone else the minimal record (no email); 403 when the service account is not in the team.
   */
  readProjectTeam(id: string): Promise<ZouTeamMember[]> {
    return this.http.request({ method: 'GET', route: '/data/projects/:id/team', params: { id } });
  }

  /** A person with their role, read fresh (authorization keeps its own short cache). */
  readPerson(id: string): Promise<ZouPerson> {
    return this.http.request({ method: 'GET', route: '/data/persons/:id', params: { id } });
  }

  /** Projects the service account may see, teams included. */
  async getProjects(): Promise<ZouProject[]> {
    const projects = await this.http.request<ZouProject[]>({
      method: 'GET',
      route: '/data/projects',
      query: { relations: true },
    });
    for (const project of projects) this.projectCache.set(project.id, project);
    return projects;
  }

  getPerson(id: string): Promise<ZouPerson> {
    return this.personCache.get(id, () =>
      this.http.request({ method: 'GET', route: '/data/persons/:id', params: { id } }),
    );
  }

  async getPersons(): Promise<ZouPerson[]> {
    const persons = await this.http.request<ZouPerson[]>({
      method: 'GET',
      route: '/data/persons',
      query: { relations: true },
    });
    for (const person of persons) this.personCache.set(person.id, person);
    return persons;
  }

  /** Persons by id in bulk; cached ones cost nothing. */
  async getPersonsByIds(ids: string[]): Promise<ZouPerson[]> {
    const unique = [...new Set(ids)];
    const cached = new Map<string, ZouPerson>();
    const unknown: string[] = [];
    for (const id of unique) {
      const hit = this.personCache.peek(id);
      if (hit) cached.set(id, await hit);
      else unknown.push(id);
    }
    if (unknown.length > 0) {
      const { found } = await this.readByIds<ZouPerson>('/data/persons', unknown, {
        relations: true,
      });
      for (const person of found) {
        this.personCache.set(person.id, person);
        cached.set(person.id, person);
      }
    }
    return unique.flatMap((id) => cached.get(id) ?? []);
  }

  /**
   * Persons by id with their e-mail address wherever the service account may read it. Zou 1.0.67
   * leaves `email` out of `GET /data/persons?id=[…]` for everyone but admins; a manager (the bot)
   * reads it from the project team (`GET /data/projects/:id/team`, one call per project) or, for
   * a person outside those teams, from `GET /data/persons/:id`. A person still without `email`
   * has it hidden from this account (see hasEmail).
   */
  async getPersonsWithEmails(ids: string[], projectIds: string[]): Promise<ZouPerson[]> {
    const persons = await this.getPersonsByIds(ids);
    const withoutEmail = new Map(
      persons.filter((person) => !hasEmail(person)).map((person) => [person.id, person]),
    );
    if (withoutEmail.size === 0) return persons;
    const complete = (full: ZouPerson) => {
      if (!hasEmail(full) || !withoutEmail.has(full.id)) return;
      const { project_role: _role, ...person } = full as ZouTeamMember;
      this.personCache.set(person.id, person);
      withoutEmail.delete(person.id);
      return person;
    };
    const completed = new Map<string, ZouPerson>();
    for (const projectId of [...new Set(projectIds)]) {
      if (withoutEmail.size === 0) break;
      const team = await this.readProjectTeam(projectId).catch((error: unknown) => {
        if (error instanceof ZouForbiddenError) return [];
        throw error;
      });
      // The first member without email means this account gets minimal records: stop asking.
      if (team.some((member) => !hasEmail(member))) break;
      for (const member of team) {
        const person = complete(member);
        if (person) completed.set(person.id, person);
      }
    }
    for (const id of [...withoutEmail.keys()]) {
      const person = complete(await this.readPerson(id));
      if (!person) break; // a minimal record: this account may not read addresses at all
      completed.set(person.id, person);
    }
    return persons.map((person) => completed.get(person.id) ?? person);
  }

  // --- reference data (cached 5 min) -----------------------------------------------------------

  getTaskTypes(): Promise<ZouTaskType[]> {
    return this.referenceCache.get('task-types', this.readTaskTypes) as Promise<ZouTaskType[]>;
  }

  /** The task types when read lately, without waiting (undefined when getTaskTypes would ask Zou). */
  taskTypesNow(): ZouTaskType[] | undefined {
    return this.referenceCache.now('task-types', this.readTaskTypes)?.value as
      ZouTaskType[] | undefined;
  }

  private readonly readTaskTypes = () =>
    this.http.request<ZouTaskType[]>({ method: 'GET', route: '/data/task-types' });

  getTaskStatuses(): Promise<ZouTaskStatus[]> {
    return this.referenceCache.get('task-status', () =>
      this.http.request<ZouTaskStatus[]>({ method: 'GET', route: '/data/task-status' }),
    ) as Promise<ZouTaskStatus[]>;
  }

  /** Case-insensitive; null when no status has that short name. */
  async getTaskStatusByShortName(shortName: string): Promise<ZouTaskStatus | null> {
    const wanted = shortName.trim().toLowerCase();
    const statuses = await this.getTaskStatuses();
    return statuses.find((status) => status.short_name.toLowerCase() === wanted) ?? null;
  }

  /**
   * The task types set up for a project: reference data like the studio's list, cached with it
   * (the playlist form lists them on every click, and its worker checks the choice again).
   */
  getProjectTaskTypes(projectId: string): Promise<ZouTaskType[]> {
    return this.referenceCache.get(`task-types:${projectId}`, () =>
      this.projectList<ZouTaskType>('/data/projects/:id/task-types', projectId),
    ) as Promise<ZouTaskType[]>;
  }

  // --- previews and playlists ------------------------------------------------------------------

  /** Previews of an entity by task type id, newest revision first. */
  getEntityPreviewFiles(entityId: string): Promise<ZouEntityPreviews> {
    return this.http.request({
      method: 'GET',
      route: '/data/playlists/entities/:id/preview-files',
      params: { id: entityId },
    });
  }

  /**
   * Every preview file of these tasks, in ceil(n / IDS_PER_CALL) calls (the generic list with a
   * `task_id` list filter), where the per-entity route would cost one call per entity.
   */
  async getPreviewFilesOfTasks(taskIds: string[]): Promise<ZouPreviewFile[]> {
    const valid = [...new Set(taskIds)].filter((id) => UUID.test(id));
    const chunks: string[][] = [];
    for (let i = 0; i < valid.length; i += IDS_PER_CALL) {
      chunks.push(valid.slice(i, i + IDS_PER_CALL));
    }
    const answers = await mapBounded(chunks, this.http.concurrency, (chunk) =>
      this.http.request<ZouPreviewFile[]>({
        method: 'GET',
        route: '/data/preview-files',
        query: { task_id: chunk },
      }),
    );
    return answers.flat();
  }

  async getPlaylists(projectId: string): Promise<ZouPlaylist[]> {
    const playlists = await this.walk<ZouPlaylist>('/data/playlists', { project_id: projectId });
    return playlists.map(withShotList);
  }

  async getPlaylist(id: string): Promise<ZouPlaylist> {
    return withShotList(
      await this.http.request({ method: 'GET', route: '/data/playlists/:id', params: { id } }),
    );
  }

  /**
   * Fails with ZouBadRequestError when (name, project, episode) is taken; Zou enforces that only
   * when episode_id is set (NULL never equals NULL), so callers look for the name first.
   */
  async createPlaylist(input: ZouPlaylistInput): Promise<ZouPlaylist> {
    return withShotList(
      await this.http.request({
        method: 'POST',
        route: '/data/playlists',
        body: { for_client: false, for_entity: 'shot', is_for_all: false, ...input },
      }),
    );
  }

  async updatePlaylist(
    id: string,
    changes: Partial<ZouPlaylistInput> & { shots?: ZouPlaylistEntry[] },
  ): Promise<ZouPlaylist> {
    return withShotList(
      await this.http.request<ZouPlaylist>({
        method: 'PUT',
        route: '/data/playlists/:id',
        params: { id },
        body: changes,
      }),
    );
  }

  /** `DELETE /data/playlists/:id` (204). */
  async deletePlaylist(id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', route: '/data/playlists/:id', params: { id } });
  }

  /**
   * Adds (entity, preview) couples; a missing preview means the latest one of the playlist's task
   * type. Uses the bulk route; an older Zou without it gets add-entity one by one, and one without
   * that either gets the whole list through PUT. The mode that worked is remembered.
   */
  async addEntitiesToPlaylist(
    playlistId: string,
    entries: ZouPlaylistEntry[],
  ): Promise<ZouPlaylist> {
    if (this.playlistMode === null || this.playlistMode === 'bulk') {
      try {
        const playlist = await this.http.request<ZouPlaylist>({
          method: 'POST',
          route: '/actions/playlists/:id/add-entities',
          params: { id: playlistId },
          body: { entities: entries.map(toEntry) },
          idempotent: true, // Zou skips couples already in the playlist
        });
        this.playlistMode = 'bulk';
        return withShotList(playlist);
      } catch (error) {
        if (!(error instanceof ZouNotFoundError)) throw error;
        await this.getPlaylist(playlistId); // a missing playlist is a 404 too: tell them apart
        if (this.playlistMode === 'bulk') throw error;
      }
    }
    if (this.playlistMode === null || this.playlistMode === 'single') {
      const added = await this.addOneByOne(playlistId, entries);
      if (added) {
        this.playlistMode = 'single';
        return added;
      }
    }
    this.playlistMode = 'replace';
    return this.addByReplacing(playlistId, entries);
  }

  /** Null when this Zou has no add-entity route either. */
  private async addOneByOne(
    playlistId: string,
    entries: ZouPlaylistEntry[],
  ): Promise<ZouPlaylist | null> {
    let playlist: ZouPlaylist | null = null;
    // One at a time: Zou locks the playlist for each add, parallel adds would only queue there.
    for (const entry of entries) {
      try {
        playlist = await this.http.request<ZouPlaylist>({
          method: 'POST',
          route: '/actions/playlists/:id/add-entity',
          params: { id: playlistId },
          body: toEntry(entry),
          idempotent: true,
        });
      } catch (error) {
        if (error instanceof ZouNotFoundError && playlist === null) return null;
        throw error;
      }
    }
    return playlist ? withShotList(playlist) : this.getPlaylist(playlistId);
  }

  /** Oldest Zou: read the list, append new couples (resolving latest previews), write it back. */
  private async addByReplacing(
    playlistId: string,
    entries: ZouPlaylistEntry[],
  ): Promise<ZouPlaylist> {
    const playlist = await this.getPlaylist(playlistId);
    const withPreviews = await mapBounded(entries, this.http.concurrency, async (entry) => {
      if (entry.preview_file_id) return entry;
      const previews = await this.getEntityPreviewFiles(entry.entity_id);
      return {
        entity_id: entry.entity_id,
        preview_file_id: latestPreview(previews, playlist.task_type_id),
      };
    });
    const shots = [...(playlist.shots ?? [])];
    const present = new Set(shots.map((shot) => `${shot.entity_id}|${shot.preview_file_id ?? ''}`));
    for (const entry of withPreviews) {
      const key = `${entry.entity_id}|${entry.preview_file_id ?? ''}`;
      if (present.has(key)) continue;
      present.add(key);
      shots.push(toEntry(entry));
    }
    return this.updatePlaylist(playlistId, { shots });
  }

  // --- comments --------------------------------------------------------------------------------

  /** A task's comments, newest first (lets an idempotent writer see what it already posted). */
  getTaskComments(taskId: string): Promise<ZouComment[]> {
    return this.http.request({
      method: 'GET',
      route: '/data/tasks/:id/comments',
      params: { id: taskId },
    });
  }

  /**
   * Comments on a task (Zou's only way to change a status). Without `taskStatusId` the current
   * status is read and kept. Not retried after a cut connection or timeout: see ZouRequest.
   */
  async commentTask(taskId: string, input: ZouCommentInput): Promise<ZouComment> {
    const taskStatusId = input.taskStatusId ?? (await this.getTask(taskId)).task_status_id;
    const body: Record<string, unknown> = { task_status_id: taskStatusId, comment: input.comment };
    if (input.personId) body.person_id = input.personId;
    if (input.checklist) body.checklist = input.checklist;
    if (input.links) body.links = input.links;
    return this.http.request({
      method: 'POST',
      route: '/actions/tasks/:id/comment',
      params: { id: taskId },
      body,
    });
  }

  // --- custom actions (admin) ------------------------------------------------------------------

  getCustomActions(): Promise<ZouCustomAction[]> {
    return this.http.request({ method: 'GET', route: '/data/custom-actions' });
  }

  createCustomAction(input: ZouCustomActionInput): Promise<ZouCustomAction> {
    return this.http.request({
      method: 'POST',
      route: '/data/custom-actions',
      body: { entity_type: 'all', is_ajax: false, ...input },
    });
  }

  updateCustomAction(id: string, changes: Partial<ZouCustomActionInput>): Promise<ZouCustomAction> {
    return this.http.request({
      method: 'PUT',
      route: '/data/custom-actions/:id',
      params: { id },
      body: changes,
    });
  }

  async deleteCustomAction(id: string): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      route: '/data/custom-actions/:id',
      params: { id },
    });
  }

  // --- statistics ------------------------------------------------------------------------------

  getEpisodeStats(projectId: string): Promise<ZouEpisodeStats> {
    return this.http.request({
      method: 'GET',
      route: '/data/projects/:id/episodes/stats',
      params: { id: projectId },
    });
  }

  getRetakeStats(projectId: string): Promise<ZouRetakeStats> {
    return this.http.request({
      method: 'GET',
      route: '/data/projects/:id/episodes/retake-stats',
      params: { id: projectId },
    });
  }

  // --- helpers ---------------------------------------------------------------------------------

  private projectList<T>(route: string, projectId: string): Promise<T[]> {
    return this.http.request({ method: 'GET', route, params: { id: projectId } });
  }

  /**
   * Walks a paged CRUD list: the first page says how many there are, the others are read in
   * parallel (bounded). Rows are keyed by id, since Zou orders pages by update time and a row
   * updated during the walk could otherwise appear twice.
   */
  private async walk<T extends { id: string }>(
    route: string,
    query: Record<string, QueryValue>,
  ): Promise<T[]> {
    const limit = this.config.ZOU_PAGE_SIZE;
    const page = (n: number) =>
      this.http.request<ZouPage<T> | T[]>({
        method: 'GET',
        route,
        query: { ...query, page: n, limit },
      });
    const first = await page(1);
    if (Array.isArray(first)) return first; // a Zou that ignores paging on this route
    const rest = Array.from({ length: Math.max(0, first.nb_pages - 1) }, (_, i) => i + 2);
    const pages = await mapBounded(rest, this.http.concurrency, async (n) => {
      const answer = await page(n);
      return Array.isArray(answer) ? answer : answer.data;
    });
    const byId = new Map<string, T>();
    for (const row of [first.data, ...pages].flat()) byId.set(row.id, row);
    return [...byId.values()];
  }

  private async readByIds<T extends { id: string }>(
    route: string,
    ids: string[],
    query: Record<string, QueryValue>,
  ): Promise<{ found: T[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    const valid = unique.filter((id) => UUID.test(id));
    const chunks: string[][] = [];
    for (let i = 0; i < valid.length; i += IDS_PER_CALL)
      chunks.push(valid.slice(i, i + IDS_PER_CALL));
    const answers = await mapBounded(chunks, this.http.concurrency, (chunk) =>
      this.http.request<T[]>({ method: 'GET', route, query: { ...query, id: chunk } }),
    );
    const byId = new Map<string, T>();
    for (const row of answers.flat()) byId.set(row.id.toLowerCase(), row);
    const found: T[] = [];
    const missing: string[] = [];
    for (const id of unique) {
      const row = byId.get(id.toLowerCase());
      if (row) found.push(row);
      else missing.push(id);
    }
    return { found, missing };
  }
}

function toEntry(entry: ZouPlaylistEntry): ZouPlaylistEntry {
  return entry.preview_file_id
    ? { entity_id: entry.entity_id, preview_file_id: entry.preview_file_id }
    : { entity_id: entry.entity_id };
}

/** Newest revision for the task type (or any task type when the playlist has none). */
function latestPreview(previews: ZouEntityPreviews, taskTypeId: string | null): string | null {
  const candidates = taskTypeId ? (previews[taskTypeId] ?? []) : Object.values(previews).flat();
  let best: { id: string; revision: number; created_at: string } | null = null;
  for (const preview of candidates) {
    if (
      !best ||
      preview.revision > best.revision ||
      (preview.revision === best.revision && preview.created_at > best.created_at)
    ) {
      best = preview;
    }
  }
  return best?.id ?? null;
}

/** Builds a client outside Nest (benchmarks, scripts). */
export function createZouClient(
  config: ZouConfig,
  logger?: ZouLogger,
  hooks?: ZouClientHooks,
): ZouClient {
  return new ZouClient(config, logger, hooks);
}

/** Zou stores a new playlist's `shots` as NULL: the client always hands out a list. */
function withShotList(playlist: ZouPlaylist): ZouPlaylist {
  const shots = (playlist as { shots: ZouPlaylist['shots'] | null }).shots;
  return Array.isArray(shots) ? playlist : { ...playlist, shots: [] };
}

/** False for Zou's minimal person record, which leaves `email` out (caller lacks the right). */
export function hasEmail(person: ZouPerson): boolean {
  return typeof person.email === 'string';
}
