import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../config/app.config';
import { configProvider } from '../../config/config.module';
import { mapBounded } from '../../zou/call-limiter';
import { SelectionResolver, type ResolvedTask } from '../../zou/selection-resolver';
import { ZouClient } from '../../zou/zou.client';
import { ZouBadRequestError } from '../../zou/zou.errors';
import type { ZouPreviewFile, ZouPlaylist, ZouPlaylistFor } from '../../zou/zou.types';
import { KitsuAction } from '../action.decorator';
import { BooleanOption, LiveSelectOption, TextOption, chosenOptionsLine } from '../option-fields';
import type {
  ActionContext,
  ActionHandler,
  ActionOptionsDeclaration,
  JobOf,
  RenderContext,
} from '../action.types';
import { MAX_SELECTION_ITEMS, summarizeSelection, type SelectionItem } from '../selection-summary';
import { toUnrecoverable } from '../zou-failure';
import { PlaylistConfig, loadPlaylistConfig } from './playlist.config';
import {
  countOf,
  freeName,
  planPlaylists,
  playlistName,
  playlistUrl,
  type PlannedEntry,
  type PlaylistGroup,
  type SkippedTask,
} from './playlist.plan';
import { renderPlaylistResult } from './playlist.renderer';

export interface PlaylistOutcome {
  id: string;
  name: string;
  /** Opens the playlist in Kitsu; null when neither KITSU_URL nor the click's server is known. */
  url: string | null;
  projectId: string;
  episodeId: string | null;
  taskTypeId: string | null;
  forEntity: ZouPlaylistFor;
  /** Made for the client (Zou's `for_client`): shown to the production's client accounts. */
  forClient: boolean;
  /** Entities added by this job (a retry counts what earlier attempts added too). */
  added: number;
  /** What was added, in selection order, with names and previews (the first ones, bounded). */
  entries?: AddedEntry[];
  /** Tasks of this group left out, with the reason. */
  skipped: SkippedTask[];
}

/** One entity put in a playlist, with the preview it shows there. */
export interface AddedEntry {
  taskId: string;
  entityId: string;
  entityName: string;
  entityType: string;
  sequenceName: string | null;
  taskTypeName: string;
  previewFileId: string;
}

/** Entries listed over all playlists of a result: enough for the page, small in Redis. */
const MAX_LISTED_ENTRIES = MAX_SELECTION_ITEMS;

export interface PlaylistResult {
  summary: string;
  playlists: PlaylistOutcome[];
  /** Tasks in no playlist: groups where nothing had a preview. */
  skipped: SkippedTask[];
  /** Selected ids Zou does not know (or the service may not see). */
  missing: string[];
  /** Names of the selected tasks, for the job page. */
  selection?: SelectionItem[];
}

/** What a job remembers between attempts, so a retry reuses what an earlier one created. */
export interface PlaylistRunState {
  /** Group key -> the playlist made for it and the tasks already added / commented. */
  [groupKey: string]: { id: string; name: string; added: string[]; commented: string[] };
}

declare module '../action.types' {
  interface ActionJobMap {
    playlist: { playlistRun?: PlaylistRunState };
  }
  interface ActionResultMap {
    playlist: PlaylistResult;
  }
}

/** At most this many suffixes are tried on a name clash before giving up. */
const MAX_NAME_ATTEMPTS = 50;

/** Longest name a person may give (the " (2)" of a taken name still fits Zou's column). */
const PLAYLIST_NAME_MAX = 70;

/** What a person may choose before playlists are built. */
export class PlaylistOptions {
  @TextOption({
    label: 'Playlist name',
    hint: 'As PLAYLIST_NAME_TEMPLATE names it for this selection; left as it is, it follows the task type chosen. Empty: named by the template, each playlist its own name (a selection over several episodes or entity types makes several). A taken name gets " (2)".',
    emptyMeans: "the studio's name template, each playlist its own",
    maxLength: PLAYLIST_NAME_MAX,
  })
  name!: string;

  @BooleanOption({
    label: 'For the client',
    hint: "A client playlist: Kitsu shows it to the production's client accounts too.",
  })
  forClient!: boolean;

  @LiveSelectOption({
    label: 'Task type',
    hint: "The task type whose previews make the playlist (the project's task types, listed from Kitsu). Selected tasks of other task types are left out.",
    emptyLabel: 'Every selected task type',
  })
  taskType!: string;
}

/** Builds review playlists from the selected tasks: one per project, episode and entity type. */
@KitsuAction({
  name: 'playlist',
  label: 'Build review playlist',
  description:
    'Creates a Kitsu playlist per project, episode and entity type with the latest preview of each selected task',
  queue: 'playlist',
  entityTypes: 'all',
  ajax: true,
  roles: ['supervisor', 'manager', 'admin'],
})
export class PlaylistAction implements ActionHandler<'playlist'> {
  /** The name, asked before a browser click builds (AJAX clicks and scripts: the template). */
  readonly options: ActionOptionsDeclaration<PlaylistOptions> = {
    schema: PlaylistOptions,
    // The name the template gives this selection now; the task type the selected tasks share,
    // else every selected task type.
    defaults: async (selection) => {
      const tasks = await selection.tasks();
      const types = new Set(tasks.map((task) => task.taskType.id));
      return {
        name: this.offeredName(tasks, new Date()),
        forClient: false,
        taskType: types.size === 1 ? [...types][0] : '',
      };
    },
    liveChoices: {
      taskType: async ({ selection }) => {
        const tasks = await selection.tasks();
        return this.taskTypeChoices(selection.request.projectId ?? tasks[0]?.project.id, tasks);
      },
    },
  };

  constructor(
    private readonly resolver: SelectionResolver,
    private readonly zou: ZouClient,
    private readonly app: AppConfig,
    private readonly config: PlaylistConfig,
  ) {}

  /**
   * The name the form offers: what the template names the one playlist this selection makes,
   * clicked at `at`. Empty (each playlist named by the template when built) when the selection
   * makes several, or when the name would not fit the field.
   */
  private offeredName(tasks: ResolvedTask[], at: Date): string {
    // Previews are not read at the click: every task counts, as if it had one.
    const groups = planPlaylists(tasks, () => 'preview');
    if (groups.length !== 1) return '';
    const name = this.templateName(groups[0], at);
    return name.length <= PLAYLIST_NAME_MAX && !/\p{Cc}/u.test(name) ? name : '';
  }

  /** PLAYLIST_NAME_TEMPLATE filled for a group, at the click's time: the form and the job share it. */
  private templateName(group: PlaylistGroup, at: Date): string {
    return playlistName(this.config.PLAYLIST_NAME_TEMPLATE, {
      taskType: group.taskTypeNames.join(', '),
      project: group.projectName,
      episode: group.episodeName,
      entityType: group.forEntity,
      at,
      timeZone: this.config.PLAYLIST_TIMEZONE,
    });
  }

  /** Each added task has its "Added to playlist" comment; the others hear the outcome. */
  tasksCommented(data: JobOf<'playlist'>['data']): readonly string[] {
    return Object.values(data.playlistRun ?? {}).flatMap((group) => group.commented);
  }

  renderResult(result: unknown, context: RenderContext): string {
    return renderPlaylistResult(result, context);
  }

  async handle(job: JobOf<'playlist'>, context: ActionContext): Promise<PlaylistResult> {
    const { request } = job.data;
    await context.progress(5, `Reading ${request.taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(request.taskIds, { projectId: request.projectId })
      .catch(toUnrecoverable);
    const { tasks, otherTypes } = await this.ofChosenTaskType(job, selection.tasks);
    const previews = await this.choosePreviews(tasks).catch(toUnrecoverable);
    const groups = planPlaylists(tasks, (task) => previews.get(task.task.id) ?? null);

    const run: PlaylistRunState = { ...(job.data.playlistRun ?? {}) };
    const remember = async () => {
      await job.updateData({ ...job.data, playlistRun: run });
    };
    const kitsuUrl =
      this.app.KITSU_URL ?? (request.originServer ? `https://${request.originServer}` : null);
    const outcomes: PlaylistOutcome[] = [];
    const orphans: SkippedTask[] = [...otherTypes];
    const resolvedById = new Map(selection.tasks.map((t) => [t.task.id, t]));
    let listed = 0;
    let done = 0;
    for (const group of groups) {
      if (group.entries.length === 0) {
        orphans.push(...group.skipped);
        continue;
      }
      await context.progress(
        10 + Math.round((80 * done) / groups.length),
        `Playlist ${done + 1} of ${groups.length}`,
      );
      const state = await this.openPlaylist(job, group, run, remember, context);
      await this.addMissingEntries(group, state, remember);
      const url = kitsuUrl
        ? playlistUrl(kitsuUrl, group.projectId, group.episodeId, state.id)
        : null;
      if (this.config.PLAYLIST_COMMENT) await this.comment(group, state, url, job, remember);
      const added = new Set(state.added);
      const entries = group.entries
        .filter((entry) => added.has(entry.taskId))
        .slice(0, Math.max(0, MAX_LISTED_ENTRIES - listed))
        .flatMap((entry) => addedEntry(entry, resolvedById.get(entry.taskId)));
      listed += entries.length;
      outcomes.push({
        id: state.id,
        name: state.name,
        url,
        projectId: group.projectId,
        episodeId: group.episodeId,
        taskTypeId: group.taskTypeId,
        forEntity: group.forEntity,
        forClient: forClientOf(job),
        added: state.added.length,
        entries,
        skipped: group.skipped,
      });
      done++;
    }
    const skippedCount =
      orphans.length + outcomes.reduce((sum, outcome) => sum + outcome.skipped.length, 0);
    return {
      summary: summarize(outcomes, groups, skippedCount, selection.missing.length),
      playlists: outcomes,
      skipped: orphans,
      missing: selection.missing,
      selection: summarizeSelection(selection.tasks),
    };
  }

  /**
   * The project's task types as Kitsu lists them (GET /data/projects/:id/task-types), then those
   * of the selected tasks it lacks: a project lists only the task types set up for it, and its
   * tasks may have others.
   */
  private async taskTypeChoices(
    projectId: string | null | undefined,
    tasks: ResolvedTask[],
  ): Promise<Array<{ value: string; label: string }>> {
    const listed = projectId ? await this.zou.getProjectTaskTypes(projectId) : [];
    const choices = new Map(listed.map((type) => [type.id, type.name]));
    for (const task of tasks) {
      if (!choices.has(task.taskType.id)) choices.set(task.taskType.id, task.taskType.name);
    }
    return [...choices].map(([value, label]) => ({ value, label }));
  }

  /**
   * The selected tasks of the chosen task type (all of them when none is chosen), the others
   * listed as skipped. The choice is checked again against the project's task types: the job is
   * data in Redis.
   */
  private async ofChosenTaskType(
    job: JobOf<'playlist'>,
    tasks: ResolvedTask[],
  ): Promise<{ tasks: ResolvedTask[]; otherTypes: SkippedTask[] }> {
    const chosen = job.data.options?.taskType;
    if (typeof chosen !== 'string' || chosen === '') return { tasks, otherTypes: [] };
    const projectId = job.data.request.projectId ?? tasks[0]?.project.id;
    const listed = await this.taskTypeChoices(projectId, tasks).catch(toUnrecoverable);
    const type = listed.find((choice) => choice.value === chosen);
    if (!type) {
      throw new UnrecoverableError(
        `Playlist options refused: taskType "${chosen}" is not a task type of the project (${listed.map((c) => c.label).join(', ') || 'none'})`,
      );
    }
    return {
      tasks: tasks.filter((task) => task.taskType.id === chosen),
      otherTypes: tasks
        .filter((task) => task.taskType.id !== chosen)
        .map((task) => ({
          taskId: task.task.id,
          entityName: task.entity.name,
          taskType: task.taskType.name,
          reason: `not a ${type.label} task (the task type chosen)`,
        })),
    };
  }

  /** The group's playlist from an earlier attempt, or a new one, recorded before anything is added. */
  private async openPlaylist(
    job: JobOf<'playlist'>,
    group: PlaylistGroup,
    run: PlaylistRunState,
    remember: () => Promise<void>,
    context: ActionContext,
  ): Promise<PlaylistRunState[string]> {
    const earlier = run[group.key];
    if (earlier) return earlier;
    const created = await this.create(group, new Date(job.data.requestedAt), {
      name: chosenName(job),
      forClient: forClientOf(job),
    }).catch(toUnrecoverable);
    const state: PlaylistRunState[string] = {
      id: created.id,
      name: created.name,
      added: [],
      commented: [],
    };
    run[group.key] = state;
    // Recorded before adding: if adding fails, the retry fills this playlist, not a new one.
    await remember();
    await context.log(`Created playlist "${created.name}" (${created.id})`);
    return state;
  }

  /** The group's entries not yet in the playlist, added in one call and recorded. */
  private async addMissingEntries(
    group: PlaylistGroup,
    state: PlaylistRunState[string],
    remember: () => Promise<void>,
  ): Promise<void> {
    const alreadyAdded = new Set(state.added);
    const missingEntries = group.entries.filter((entry) => !alreadyAdded.has(entry.taskId));
    if (missingEntries.length > 0) {
      await this.zou
        .addEntitiesToPlaylist(
          state.id,
          missingEntries.map((entry) => ({
            entity_id: entry.entityId,
            preview_file_id: entry.previewFileId,
          })),
        )
        .catch(toUnrecoverable);
      state.added.push(...missingEntries.map((entry) => entry.taskId));
      await remember();
    }
  }

  /**
   * The task's last preview, or else its newest preview read in bulk (one call per 80 such
   * tasks, not one per entity); tasks with neither are absent from the map.
   */
  private async choosePreviews(tasks: ResolvedTask[]): Promise<Map<string, string>> {
    const chosen = new Map<string, string>();
    const lookups: string[] = [];
    for (const resolved of tasks) {
      if (resolved.task.last_preview_file_id) {
        chosen.set(resolved.task.id, resolved.task.last_preview_file_id);
      } else {
        lookups.push(resolved.task.id);
      }
    }
    if (lookups.length === 0) return chosen;
    const newest = new Map<string, ZouPreviewFile>();
    for (const preview of await this.zou.getPreviewFilesOfTasks(lookups)) {
      const best = newest.get(preview.task_id);
      if (
        !best ||
        preview.revision > best.revision ||
        (preview.revision === best.revision && preview.created_at > best.created_at)
      ) {
        newest.set(preview.task_id, preview);
      }
    }
    for (const [taskId, preview] of newest) chosen.set(taskId, preview.id);
    return chosen;
  }

  /**
   * Creates the group's playlist under a name no playlist of the same project and episode has:
   * ` (2)`, ` (3)`... otherwise. Zou enforces (name, project, episode) only when the episode is
   * set (its unique index never matches NULLs), so the names are read first; a 400 (another
   * click won the name in an episode) or a twin found right after creating (two clicks raced
   * without an episode, where Zou accepts both) sends us to the next free name, the younger
   * twin deleting itself.
   */
  private async create(
    group: PlaylistGroup,
    at: Date,
    chosen: { name: string; forClient: boolean },
  ): Promise<ZouPlaylist> {
    const base = chosen.name || this.templateName(group, at);
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
      const name = freeName(base, await this.namesTaken(group));
      let created: ZouPlaylist;
      try {
        created = await this.zou.createPlaylist({
          name,
          project_id: group.projectId,
          episode_id: group.episodeId,
          task_type_id: group.taskTypeId,
          for_entity: group.forEntity,
          for_client: chosen.forClient,
        });
      } catch (error) {
        if (!(error instanceof ZouBadRequestError)) throw error;
        // A 400 is a clash only if the name is taken now; otherwise it is another fault.
        if (!(await this.namesTaken(group)).has(name)) throw error;
        continue;
      }
      const twins = (await this.playlistsOf(group)).filter((p) => p.name === name);
      const eldest = twins.reduce((first, p) => (olderPlaylist(p, first) ? p : first), created);
      if (eldest.id === created.id) return created;
      await this.zou.deletePlaylist(created.id);
    }
    throw new UnrecoverableError(`No free playlist name after ${MAX_NAME_ATTEMPTS} tries: ${base}`);
  }

  /** The project's playlists in the group's episode (no episode: those without one). */
  private async playlistsOf(group: PlaylistGroup): Promise<ZouPlaylist[]> {
    return (await this.zou.getPlaylists(group.projectId)).filter(
      (playlist) => (playlist.episode_id ?? null) === group.episodeId,
    );
  }

  private async namesTaken(group: PlaylistGroup): Promise<Set<string>> {
    return new Set((await this.playlistsOf(group)).map((playlist) => playlist.name));
  }

  private async comment(
    group: PlaylistGroup,
    state: PlaylistRunState[string],
    url: string | null,
    job: JobOf<'playlist'>,
    remember: () => Promise<void>,
  ): Promise<void> {
    const commented = new Set(state.commented);
    const added = new Set(state.added);
    const pending = group.entries.filter(
      (entry) => added.has(entry.taskId) && !commented.has(entry.taskId),
    );
    if (pending.length === 0) return;
    // The options the person chose (for the client, a name) go with it, as in outcome comments.
    const chosen = chosenOptionsLine(
      PlaylistOptions,
      job.data.options,
      job.data.optionDefaults,
      job.data.optionLabels,
    );
    const text = `Added to playlist ${url ? `[${state.name}](${url})` : `"${state.name}"`}${chosen ? `\n${chosen}` : ''}`;
    await mapBounded(pending, 4, async (entry) => {
      await this.zou
        .commentTask(entry.taskId, {
          taskStatusId: entry.taskStatusId,
          comment: text,
          personId: job.data.request.personId,
        })
        .catch(toUnrecoverable);
      state.commented.push(entry.taskId);
    });
    await remember();
  }
}

/**
 * The name the person gave, or '' for the template's. The offered name left as it was while
 * another task type was chosen is the template's too: it named the task type offered.
 */
function chosenName(job: JobOf<'playlist'>): string {
  const { options, optionDefaults: offered } = job.data;
  const name = typeof options?.name === 'string' ? options.name.trim() : '';
  const retyped = offered !== undefined && options?.taskType !== offered.taskType;
  return retyped && name === offered.name ? '' : name;
}

/** Whether the job's playlists are for the client (jobs queued before the option: no). */
function forClientOf(job: JobOf<'playlist'>): boolean {
  return job.data.options?.forClient === true;
}

function addedEntry(entry: PlannedEntry, resolved: ResolvedTask | undefined): AddedEntry[] {
  if (!resolved) return [];
  return [
    {
      taskId: entry.taskId,
      entityId: entry.entityId,
      entityName: resolved.entity.name,
      entityType: resolved.entityType,
      sequenceName: resolved.entityType === 'Shot' ? (resolved.sequence?.name ?? null) : null,
      taskTypeName: resolved.taskType.name,
      previewFileId: entry.previewFileId,
    },
  ];
}

function summarize(
  outcomes: PlaylistOutcome[],
  groups: PlaylistGroup[],
  skipped: number,
  missing: number,
): string {
  const tail =
    (skipped ? `, ${skipped} task(s) skipped (no preview)` : '') +
    (missing ? `, ${missing} not found in Kitsu` : '');
  if (outcomes.length === 0) {
    return groups.length === 0
      ? `No playlist created: no task of the selection was found${tail}`
      : `No playlist created: no selected task has a preview${tail}`;
  }
  if (outcomes.length === 1) {
    const [only] = outcomes;
    return `Playlist '${only.name}' created with ${countOf(only.added, only.forEntity)}${tail}`;
  }
  const parts = outcomes.map((o) => `'${o.name}' (${countOf(o.added, o.forEntity)})`);
  return `${outcomes.length} playlists created: ${parts.join(', ')}${tail}`;
}

@Module({ providers: [configProvider(PlaylistConfig, loadPlaylistConfig), PlaylistAction] })
export class PlaylistModule {}

/** Creation order as Zou records it (second precision), the id breaking ties the same everywhere. */
function olderPlaylist(a: ZouPlaylist, b: ZouPlaylist): boolean {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at;
  return a.id < b.id;
}
