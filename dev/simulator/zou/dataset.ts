import { randomUUID } from 'node:crypto';
import type {
  ZouComment,
  ZouCustomAction,
  ZouEntity,
  ZouEntityType,
  ZouOrganisation,
  ZouPerson,
  ZouPlaylist,
  ZouPreviewFile,
  ZouProject,
  ZouRole,
  ZouTask,
  ZouTaskStatus,
  ZouTaskType,
  ZouTaskTypeFor,
  ZouTimeSpent,
} from '../../../src/zou/zou.types';
import { SeededRandom } from './random';

/** How big a studio to make. `large` puts over 20,000 tasks in the TV show. */
export type DatasetSize = 'small' | 'medium' | 'large' | Partial<DatasetCounts>;

export interface DatasetCounts {
  /** TV show: episodes x sequences x shots. */
  episodes: number;
  sequencesPerEpisode: number;
  shotsPerSequence: number;
  /** Feature film: sequences x shots. */
  filmSequences: number;
  filmShotsPerSequence: number;
  /** Characters, props and sets of each project together. */
  assetsPerProject: number;
  /** Artists besides the named people. */
  extraArtists: number;
}

export const DATASET_PRESETS: Record<'small' | 'medium' | 'large', DatasetCounts> = {
  small: {
    episodes: 2,
    sequencesPerEpisode: 2,
    shotsPerSequence: 4,
    filmSequences: 2,
    filmShotsPerSequence: 5,
    assetsPerProject: 6,
    extraArtists: 4,
  },
  medium: {
    episodes: 4,
    sequencesPerEpisode: 4,
    shotsPerSequence: 10,
    filmSequences: 6,
    filmShotsPerSequence: 20,
    assetsPerProject: 30,
    extraArtists: 16,
  },
  // 10 x 10 x 45 shots x 4 task types + 700 assets x 3 + sequences and edit: ~20,200 tasks.
  large: {
    episodes: 10,
    sequencesPerEpisode: 10,
    shotsPerSequence: 45,
    filmSequences: 8,
    filmShotsPerSequence: 40,
    assetsPerProject: 700,
    extraArtists: 60,
  },
};

export interface DatasetOptions {
  seed?: number;
  size?: DatasetSize;
  /** The day "now" is for due dates (some past, some this week). Default: today. */
  now?: Date;
}

/** A preview file as stored: what Zou lists, plus who made it. */
export interface SimPreviewFile extends ZouPreviewFile {
  person_id: string | null;
}

/** A comment as stored (Zou adds task_status and person when it answers). */
export type SimComment = Omit<ZouComment, 'task_status' | 'person'>;

export interface SimProjectStatus {
  id: string;
  type: 'ProjectStatus';
  name: 'Open' | 'Closed';
  color: string;
}

/** A person as stored: Zou always has an address, only some callers are not shown it. */
export type SimPerson = ZouPerson & { email: string };

/** The people tests log in as. */
export interface NamedPeople {
  admin: SimPerson;
  bot: SimPerson;
  manager: SimPerson;
  supervisor: SimPerson;
  artist: SimPerson;
  client: SimPerson;
  vendor: SimPerson;
  /** Active, role user, in no project team. */
  outsider: SimPerson;
}

/**
 * The simulator's whole store. It is live: the server reads and writes these maps, and tests
 * read them to check writes (comments, playlists, custom actions, task statuses).
 */
export interface SimulatorDataset {
  seed: number;
  counts: DatasetCounts;
  /** Every person's password (bots cannot log in). */
  password: string;
  organisation: ZouOrganisation;
  people: NamedPeople;
  projectIds: { tvShow: string; film: string };
  projectStatuses: Map<string, SimProjectStatus>;
  persons: Map<string, SimPerson>;
  projects: Map<string, ZouProject>;
  entityTypes: Map<string, ZouEntityType>;
  entities: Map<string, ZouEntity>;
  taskTypes: Map<string, ZouTaskType>;
  taskStatuses: Map<string, ZouTaskStatus>;
  tasks: Map<string, ZouTask>;
  previewFiles: Map<string, SimPreviewFile>;
  playlists: Map<string, ZouPlaylist>;
  comments: Map<string, SimComment>;
  customActions: Map<string, ZouCustomAction>;
  timeSpents: Map<string, ZouTimeSpent>;
  /** Per-project roles, `projectId/personId` -> role (absent: the global role applies). */
  projectRoles: Map<string, ZouRole>;
}

export const SIM_PASSWORD = 'mysecretpassword';

const FIRST_NAMES = [
  'Ada',
  'Bruno',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Greta',
  'Hiro',
  'Inès',
  'Jonas',
  'Kaya',
  'Lucas',
  'Mei',
  'Nadia',
  'Oscar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Yann',
  'Zoé',
];
const LAST_NAMES = [
  'Martin',
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Tanaka',
  'Silva',
  'Novak',
  'Haddad',
  'Kowalski',
  'Dubois',
  'Nguyen',
  'Rossi',
  'Schmidt',
  'Costa',
  'Ivanova',
  'Garcia',
  'Laurent',
  'Berg',
];
const ASSET_NAMES = {
  Character: ['Fox', 'Owl', 'Bear', 'Hare', 'Wolf', 'Badger', 'Heron', 'Lynx', 'Moth', 'Toad'],
  Prop: ['Lantern', 'Map', 'Kettle', 'Bow', 'Compass', 'Basket', 'Key', 'Drum', 'Rope', 'Cart'],
  Set: ['Forest', 'River', 'Cave', 'Village', 'Tower', 'Meadow', 'Bridge', 'Mill', 'Market'],
} as const;

/** Builds a studio from a seed: same seed, size and day give the same data, ids included. */
export function generateDataset(options: DatasetOptions = {}): SimulatorDataset {
  const seed = options.seed ?? 42;
  const counts = resolveCounts(options.size ?? 'small');
  const rng = new SeededRandom(seed);
  const today = startOfDay(options.now ?? new Date());
  const dayMs = 86_400_000;
  const createdAt = zouDateTime(new Date(today.getTime() - 120 * dayMs));
  let clock = today.getTime() - 90 * dayMs;
  // Distinct update times give Zou's paging order (updated_at desc) a stable sequence.
  const nextTimestamp = () => zouDateTime(new Date((clock += 1000)));

  const store: SimulatorDataset = {
    seed,
    counts,
    password: SIM_PASSWORD,
    organisation: {
      id: rng.uuid(),
      name: 'Simulated Studio',
      hours_by_day: 8,
      has_avatar: false,
      use_original_file_name: false,
      timesheets_locked: false,
    },
    people: undefined as unknown as NamedPeople,
    projectIds: { tvShow: '', film: '' },
    projectStatuses: new Map(),
    persons: new Map(),
    projects: new Map(),
    entityTypes: new Map(),
    entities: new Map(),
    taskTypes: new Map(),
    taskStatuses: new Map(),
    tasks: new Map(),
    previewFiles: new Map(),
    playlists: new Map(),
    comments: new Map(),
    customActions: new Map(),
    timeSpents: new Map(),
    projectRoles: new Map(),
  };

  // --- people ---
  const person = (first: string, last: string, email: string, role: ZouRole, isBot = false) => {
    const row: SimPerson = {
      id: rng.uuid(),
      type: 'Person',
      first_name: first,
      last_name: last,
      full_name: `${first} ${last}`.trim(),
      email,
      role,
      active: true,
      is_bot: isBot,
      desktop_login: email.split('@')[0],
      departments: [],
      created_at: createdAt,
      updated_at: createdAt,
    };
    store.persons.set(row.id, row);
    return row;
  };
  const people: NamedPeople = {
    admin: person('Super', 'Admin', 'admin@example.com', 'admin'),
    bot: person('Kitsu Actions', 'Bot', 'kitsu-actions-bot@example.com', 'manager', true),
    manager: person('Maya', 'Manager', 'manager@example.com', 'manager'),
    supervisor: person('Sam', 'Supervisor', 'supervisor@example.com', 'supervisor'),
    artist: person('Alex', 'Artist', 'artist@example.com', 'user'),
    client: person('Claire', 'Client', 'client@example.com', 'client'),
    vendor: person('Victor', 'Vendor', 'vendor@example.com', 'vendor'),
    outsider: person('Oli', 'Outsider', 'outsider@example.com', 'user'),
  };
  store.people = people;
  const producer = person('Mona', 'Producer', 'manager-2@example.com', 'manager');
  const lead = person('Sven', 'Lead', 'supervisor-2@example.com', 'supervisor');
  const extraArtists: ZouPerson[] = [];
  for (let i = 0; i < counts.extraArtists; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length];
    extraArtists.push(person(first, last, `artist-${i + 1}@example.com`, 'user'));
  }

  // --- reference data ---
  const open: SimProjectStatus = {
    id: rng.uuid(),
    type: 'ProjectStatus',
    name: 'Open',
    color: '#000000',
  };
  const closed: SimProjectStatus = {
    id: rng.uuid(),
    type: 'ProjectStatus',
    name: 'Closed',
    color: '#ff3860',
  };
  store.projectStatuses.set(open.id, open);
  store.projectStatuses.set(closed.id, closed);

  const entityType = (name: string) => {
    const row: ZouEntityType = { id: rng.uuid(), type: 'EntityType', name };
    store.entityTypes.set(row.id, row);
    return row;
  };
  const shotType = entityType('Shot');
  const sequenceType = entityType('Sequence');
  const episodeType = entityType('Episode');
  const editType = entityType('Edit');
  const assetTypes = {
    Character: entityType('Character'),
    Prop: entityType('Prop'),
    Set: entityType('Set'),
  };

  const status = (
    name: string,
    shortName: string,
    color: string,
    flags: Partial<
      Pick<
        ZouTaskStatus,
        | 'is_done'
        | 'is_retake'
        | 'is_wip'
        | 'is_feedback_request'
        | 'is_artist_allowed'
        | 'is_default'
      >
    >,
    priority: number,
  ) => {
    const row: ZouTaskStatus = {
      id: rng.uuid(),
      type: 'TaskStatus',
      name,
      short_name: shortName,
      color,
      priority,
      is_done: false,
      is_retake: false,
      is_wip: false,
      is_feedback_request: false,
      is_artist_allowed: true,
      is_client_allowed: false,
      is_default: false,
      ...flags,
      created_at: createdAt,
      updated_at: createdAt,
    };
    store.taskStatuses.set(row.id, row);
    return row;
  };
  const statuses = {
    todo: status('Todo', 'todo', '#f5f5f5', { is_default: true }, 1),
    wip: status('Work In Progress', 'wip', '#3273dc', { is_wip: true }, 2),
    wfa: status('Waiting For Approval', 'wfa', '#ab26ff', { is_feedback_request: true }, 3),
    retake: status('Retake', 'retake', '#ff3860', { is_retake: true, is_artist_allowed: false }, 4),
    done: status('Done', 'done', '#22d160', { is_done: true, is_artist_allowed: false }, 5),
  };

  const taskType = (
    name: string,
    shortName: string,
    forEntity: ZouTaskTypeFor,
    priority: number,
  ) => {
    const row: ZouTaskType = {
      id: rng.uuid(),
      type: 'TaskType',
      name,
      short_name: shortName,
      color: '#999999',
      priority,
      for_entity: forEntity,
      allow_timelog: true,
      department_id: null,
      created_at: createdAt,
      updated_at: createdAt,
    };
    store.taskTypes.set(row.id, row);
    return row;
  };
  const shotTaskTypes = [
    taskType('Layout', 'lay', 'Shot', 1),
    taskType('Animation', 'anim', 'Shot', 2),
    taskType('Lighting', 'light', 'Shot', 3),
    taskType('Compositing', 'comp', 'Shot', 4),
  ];
  const assetTaskTypes = [
    taskType('Modeling', 'mod', 'Asset', 1),
    taskType('Rigging', 'rig', 'Asset', 2),
    taskType('Shading', 'shad', 'Asset', 3),
  ];
  const storyboard = taskType('Storyboard', 'sb', 'Sequence', 0);
  const editTaskType = taskType('Edit', 'edit', 'Edit', 5);

  // --- projects ---
  const allTaskTypeIds = [...store.taskTypes.keys()];
  const allStatusIds = [...store.taskStatuses.keys()];
  const namedTeam = [people.bot, people.manager, people.supervisor, people.artist, people.vendor];
  const project = (
    name: string,
    code: string,
    productionType: ZouProject['production_type'],
    fps: string,
    team: ZouPerson[],
    nbEpisodes: number,
  ) => {
    const row: ZouProject = {
      id: rng.uuid(),
      type: 'Project',
      name,
      code,
      description: null,
      fps,
      ratio: '16:9',
      resolution: '1920x1080',
      production_type: productionType,
      production_style: '3d',
      project_status_id: open.id,
      start_date: zouDate(new Date(today.getTime() - 120 * dayMs)),
      end_date: zouDate(new Date(today.getTime() + 240 * dayMs)),
      nb_episodes: nbEpisodes,
      max_retakes: 0,
      file_tree: null,
      data: {},
      team: team.map((member) => member.id),
      task_types: allTaskTypeIds,
      task_statuses: allStatusIds,
      asset_types: Object.values(assetTypes).map((type) => type.id),
      created_at: createdAt,
      updated_at: createdAt,
    };
    store.projects.set(row.id, row);
    return row;
  };
  const tvShow = project(
    'Forest Tales',
    'FT',
    'tvshow',
    '25',
    [...namedTeam, producer, people.client, ...extraArtists],
    counts.episodes,
  );
  const filmTeam = [...namedTeam, lead, ...extraArtists.filter((_, i) => i % 2 === 0)];
  const film = project('The Long Night', 'TLN', 'featurefilm', '24', filmTeam, 0);
  store.projectIds = { tvShow: tvShow.id, film: film.id };
  // A closed project: its tasks are left out of open-task statistics.
  project('Archive Reel', 'AR', 'short', '24', [people.manager], 0).project_status_id = closed.id;

  // --- entities ---
  const entity = (
    type: ZouEntity['type'],
    typeId: string,
    projectId: string,
    name: string,
    parentId: string | null,
    nbFrames: number | null = null,
    data: ZouEntity['data'] = {},
  ) => {
    const stamp = nextTimestamp();
    const row: ZouEntity = {
      id: rng.uuid(),
      type,
      name,
      description: null,
      project_id: projectId,
      entity_type_id: typeId,
      parent_id: parentId,
      source_id: null,
      nb_frames: nbFrames,
      preview_file_id: null,
      status: 'running',
      canceled: false,
      data,
      created_at: stamp,
      updated_at: stamp,
    };
    store.entities.set(row.id, row);
    return row;
  };

  const shot = (projectId: string, fps: number, sequenceId: string, index: number) => {
    const nbFrames = rng.int(24, 240);
    const shape = rng.weighted([
      ['full', 85],
      ['frames-only', 10],
      ['none', 5],
    ] as const);
    const frameIn = 1001;
    if (shape === 'full') {
      return entity('Shot', shotType.id, projectId, shotName(index), sequenceId, nbFrames, {
        frame_in: frameIn,
        frame_out: frameIn + nbFrames - 1,
        fps,
      });
    }
    return entity(
      'Shot',
      shotType.id,
      projectId,
      shotName(index),
      sequenceId,
      shape === 'frames-only' ? nbFrames : null,
      {},
    );
  };

  const tvShots: ZouEntity[] = [];
  const tvSequences: ZouEntity[] = [];
  const tvEpisodes: ZouEntity[] = [];
  for (let e = 1; e <= counts.episodes; e++) {
    const episode = entity('Episode', episodeType.id, tvShow.id, `E${pad(e, 2)}`, null);
    tvEpisodes.push(episode);
    for (let s = 1; s <= counts.sequencesPerEpisode; s++) {
      const sequence = entity('Sequence', sequenceType.id, tvShow.id, `SQ${pad(s, 2)}`, episode.id);
      tvSequences.push(sequence);
      for (let n = 1; n <= counts.shotsPerSequence; n++)
        tvShots.push(shot(tvShow.id, 25, sequence.id, n));
    }
  }
  const filmShots: ZouEntity[] = [];
  const filmSequences: ZouEntity[] = [];
  for (let s = 1; s <= counts.filmSequences; s++) {
    const sequence = entity('Sequence', sequenceType.id, film.id, `SQ${pad(s * 10, 3)}`, null);
    filmSequences.push(sequence);
    for (let n = 1; n <= counts.filmShotsPerSequence; n++)
      filmShots.push(shot(film.id, 24, sequence.id, n));
  }
  const assetsOf = (projectId: string, episodes: ZouEntity[]) => {
    const kinds = Object.keys(ASSET_NAMES) as Array<keyof typeof ASSET_NAMES>;
    const rows: ZouEntity[] = [];
    for (let i = 0; i < counts.assetsPerProject; i++) {
      const kind = kinds[i % kinds.length];
      const names = ASSET_NAMES[kind];
      const base = names[Math.floor(i / kinds.length) % names.length];
      const round = Math.floor(i / (kinds.length * names.length));
      const row = entity(
        'Asset',
        assetTypes[kind].id,
        projectId,
        round ? `${base}${round + 1}` : base,
        null,
      );
      if (episodes.length > 0 && rng.chance(0.3)) row.source_id = rng.pick(episodes).id;
      rows.push(row);
    }
    return rows;
  };
  const tvAssets = assetsOf(tvShow.id, tvEpisodes);
  const filmAssets = assetsOf(film.id, []);
  const tvEdit = entity('Edit', editType.id, tvShow.id, 'Main Edit', tvEpisodes[0]?.id ?? null);
  const filmEdit = entity('Edit', editType.id, film.id, 'Main Edit', null);

  // --- tasks, previews, time spents ---
  const teamArtists = (projectRow: ZouProject) =>
    projectRow.team
      .map((id) => store.persons.get(id))
      .filter(
        (member): member is SimPerson =>
          !!member && (member.role === 'user' || member.role === 'vendor'),
      );
  const artistsByProject = new Map([
    [tvShow.id, teamArtists(tvShow)],
    [film.id, teamArtists(film)],
  ]);
  const statusChoices = [
    [statuses.todo, 30],
    [statuses.wip, 25],
    [statuses.wfa, 15],
    [statuses.retake, 10],
    [statuses.done, 20],
  ] as const;

  const task = (entityRow: ZouEntity, type: ZouTaskType) => {
    const status = rng.weighted(statusChoices);
    const artists = artistsByProject.get(entityRow.project_id) ?? [];
    const assignees: string[] = [];
    const nbAssignees = rng.weighted([
      [0, 15],
      [1, 70],
      [2, 15],
    ] as const);
    for (let i = 0; i < nbAssignees && artists.length > 0; i++) {
      const chosen = rng.pick(artists).id;
      if (!assignees.includes(chosen)) assignees.push(chosen);
    }
    // Keep the named artist and vendor busy so tests always find tasks assigned to them.
    if (store.tasks.size % 7 === 0) assignees.splice(0, assignees.length, people.artist.id);
    else if (store.tasks.size % 11 === 0 && entityRow.project_id === film.id) {
      assignees.splice(0, assignees.length, people.vendor.id);
    }
    const estimation = rng.int(1, 40) * 60;
    const started = status !== statuses.todo;
    const duration = started ? Math.round(estimation * (0.2 + rng.next() * 1.2)) : 0;
    const retakeCount =
      status === statuses.retake
        ? rng.int(1, 3)
        : status === statuses.done && rng.chance(0.3)
          ? rng.int(1, 2)
          : 0;
    const dueOffset = rng.weighted([
      [-rng.int(1, 30), 30],
      [rng.int(0, 6), 30],
      [rng.int(7, 60), 30],
      [null, 10],
    ] as const);
    const dueDate =
      dueOffset === null ? null : new Date(today.getTime() + dueOffset * dayMs + 18 * 3_600_000);
    const startDate = dueDate ? new Date(dueDate.getTime() - rng.int(3, 20) * dayMs) : null;
    const stamp = nextTimestamp();
    const row: ZouTask = {
      id: rng.uuid(),
      type: 'Task',
      name: 'main',
      description: null,
      project_id: entityRow.project_id,
      task_type_id: type.id,
      task_status_id: status.id,
      entity_id: entityRow.id,
      assignees,
      assigner_id: people.manager.id,
      priority: rng.weighted([
        [0, 80],
        [1, 10],
        [2, 7],
        [3, 3],
      ] as const),
      difficulty: rng.int(1, 5),
      estimation,
      duration,
      retake_count: retakeCount,
      nb_drawings: 0,
      start_date: startDate ? zouDateTime(startDate) : null,
      due_date: dueDate ? zouDateTime(dueDate) : null,
      real_start_date: started && startDate ? zouDateTime(startDate) : null,
      end_date: null,
      done_date: status === statuses.done && dueDate ? zouDateTime(dueDate) : null,
      last_comment_date: started ? stamp : null,
      last_preview_file_id: null,
      data: {},
      created_at: createdAt,
      updated_at: stamp,
    };
    store.tasks.set(row.id, row);

    const hasPreview =
      status === statuses.wfa ||
      status === statuses.retake ||
      status === statuses.done ||
      (status === statuses.wip && rng.chance(0.3));
    if (hasPreview) {
      const revisions = Math.min(3, retakeCount + 1);
      const isMovie = entityRow.type === 'Shot' || entityRow.type === 'Edit';
      const fps = typeof entityRow.data?.fps === 'number' ? entityRow.data.fps : 24;
      for (let revision = 1; revision <= revisions; revision++) {
        const preview: SimPreviewFile = {
          id: rng.uuid(),
          revision,
          original_name: `${entityRow.name}_${type.short_name}_v${pad(revision, 3)}`,
          extension: isMovie ? 'mp4' : 'png',
          width: 1920,
          height: 1080,
          duration: isMovie ? round2((entityRow.nb_frames ?? 48) / fps) : 0,
          status: 'ready',
          task_id: row.id,
          created_at: nextTimestamp(),
          annotations: [],
          previews: [],
          person_id: assignees[0] ?? null,
        };
        store.previewFiles.set(preview.id, preview);
        row.last_preview_file_id = preview.id;
      }
      entityRow.preview_file_id = row.last_preview_file_id;
    }
    if (duration > 0 && assignees.length > 0) {
      const spent: ZouTimeSpent = {
        id: rng.uuid(),
        type: 'TimeSpent',
        task_id: row.id,
        person_id: assignees[0],
        duration,
        date: zouDate(new Date(today.getTime() - rng.int(1, 30) * dayMs)),
        created_at: stamp,
        updated_at: stamp,
      };
      store.timeSpents.set(spent.id, spent);
    }
  };

  for (const shotRow of [...tvShots, ...filmShots])
    for (const type of shotTaskTypes) task(shotRow, type);
  for (const assetRow of [...tvAssets, ...filmAssets])
    for (const type of assetTaskTypes) task(assetRow, type);
  for (const sequence of [...tvSequences, ...filmSequences]) task(sequence, storyboard);
  task(tvEdit, editTaskType);
  task(filmEdit, editTaskType);

  return store;
}

export function resolveCounts(size: DatasetSize): DatasetCounts {
  if (typeof size === 'string') return { ...DATASET_PRESETS[size] };
  return { ...DATASET_PRESETS.small, ...size };
}

const dayPrefixes = new Map<number, string>();

/** Zou's datetime format: ISO without zone or milliseconds (hand-made: called ~100k times). */
export function zouDateTime(date: Date): string {
  const ms = date.getTime();
  const day = Math.floor(ms / 86_400_000);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = date.toISOString().slice(0, 11);
    if (dayPrefixes.size > 10_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const seconds = Math.floor((ms - day * 86_400_000) / 1000);
  const hh = Math.floor(seconds / 3600);
  const mm = Math.floor((seconds % 3600) / 60);
  const ss = seconds % 60;
  return `${prefix}${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}:${ss < 10 ? '0' : ''}${ss}`;
}

export function zouDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function shotName(index: number): string {
  return `SH${pad(index * 10, 4)}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface PublishPreviewOptions {
  /** `mp4` for a movie, `png` for a picture, anything else for a file Kitsu only offers to download. */
  extension?: string;
  /** Default: one more than the task's latest. */
  revision?: number;
  personId?: string | null;
}

/**
 * Adds a preview file to a task as an upload through Kitsu would (tests arrange previews with
 * it): the task's and its entity's latest preview become this one.
 */
export function publishPreview(
  store: SimulatorDataset,
  task: ZouTask,
  options: PublishPreviewOptions = {},
): SimPreviewFile {
  const entity = store.entities.get(task.entity_id);
  const revisions = [...store.previewFiles.values()]
    .filter((preview) => preview.task_id === task.id)
    .map((preview) => preview.revision);
  const revision = options.revision ?? Math.max(0, ...revisions) + 1;
  const extension = options.extension ?? 'mp4';
  const fps = typeof entity?.data?.fps === 'number' ? entity.data.fps : 24;
  const preview: SimPreviewFile = {
    id: randomUUID(),
    revision,
    original_name: `${entity?.name ?? 'preview'}_v${pad(revision, 3)}`,
    extension,
    width: 1920,
    height: 1080,
    duration: extension === 'mp4' ? round2((entity?.nb_frames ?? 48) / fps) : 0,
    status: 'ready',
    task_id: task.id,
    created_at: zouDateTime(new Date()),
    annotations: [],
    previews: [],
    person_id: options.personId ?? task.assignees[0] ?? null,
  };
  store.previewFiles.set(preview.id, preview);
  task.last_preview_file_id = preview.id;
  if (entity) entity.preview_file_id = preview.id;
  return preview;
}
