/** Where a farm job stands, in the service's words; each adapter maps its farm's own states here. */
export const FARM_JOB_STATES = [
  'queued',
  'active',
  'paused',
  'completed',
  'failed',
  'canceled',
] as const;
export type FarmJobState = (typeof FARM_JOB_STATES)[number];

/** States after which a farm job changes no more (tracking stops there). */
export const FINAL_FARM_JOB_STATES: readonly FarmJobState[] = ['completed', 'failed', 'canceled'];

export function isFinalFarmJobState(state: FarmJobState): boolean {
  return FINAL_FARM_JOB_STATES.includes(state);
}

/** The Kitsu objects a farm job belongs to; they travel in the farm's metadata to map jobs back. */
export interface FarmKitsuIds {
  taskId: string;
  entityId: string;
  projectId: string;
  /** The person who asked for the render. */
  personId: string;
}

/** Who submits: farms show a user per job and some (Afanasy, Deadline) schedule per user. */
export interface FarmSubmitter {
  /** Full name as Kitsu shows it, e.g. "Ada Lovelace". */
  name: string;
  /** Farm user name: the person's desktop login, else their email. */
  login: string;
  email?: string;
}

/** Plain values only: every farm stores settings as flat strings, numbers or booleans. */
export type FarmSettingValue = string | number | boolean;

/** What the render action gives an adapter for one task: everything a farm needs, nothing farm-specific. */
export interface FarmJobSpec {
  /** Job name shown on the farm, e.g. "Big Buck E01 SQ010 SH020 Lighting". */
  name: string;
  kitsu: FarmKitsuIds;
  submitter: FarmSubmitter;
  /** 0 (lowest) to 100. */
  priority: number;
  frameIn: number;
  frameOut: number;
  /** Frames rendered by one farm task (Flamenco chunk_size, Deadline ChunkSize). */
  framesPerTask: number;
  fps: number;
  resolution?: { width: number; height: number };
  /** The scene file to render (a .blend for Blender farms). */
  scenePath: string;
  /**
   * Where frames go: a path ending in `#` characters for the frame number
   * (e.g. `/render/sh020/sh020.####`), or a directory (the adapter adds a frame pattern).
   */
  outputPath: string;
  /**
   * The command for command-line farms (Afanasy) as an argument list, with `@#@` frame
   * placeholders; the adapter quotes each argument for the farm's shell.
   */
  commandArgs?: string[];
  /** Project name, for farms that group jobs by project (Afanasy `project`). */
  project?: string;
  /** Groups related jobs in the farm's UI (Deadline `BatchName`), e.g. "<project> <sequence>". */
  batch?: string;
  /** Farm-specific settings that override the adapter's (Flamenco settings, Deadline PluginInfo). */
  extra?: Record<string, FarmSettingValue>;
  /** More metadata to store with the job, beside the Kitsu ids the adapter always adds. */
  metadata: Record<string, string>;
  /**
   * Where the job should run, chosen from what the farm listed (see FarmAdapter.listPlacements):
   * it overrides the configured tag, pool or group. Absent: the configured one, or anywhere.
   */
  placement?: FarmPlacement;
}

/**
 * A kind of place a farm sends jobs to, in the farm's words: Flamenco's worker tags, Deadline's
 * pools and groups, the render hosts of Afanasy.
 */
export interface FarmPlacementKind {
  /** `tag`, `pool`, `group`, `host`. */
  key: string;
  /** As people know it on that farm: "Worker tag", "Pool", "Group", "Render host". */
  label: string;
}

/** One place the farm listed: the value it takes (a tag UUID, a pool name) and its name. */
export interface FarmPlacementChoice {
  value: string;
  label: string;
}

/** Where a job should run: one of the farm's placement kinds and one value it listed. */
export interface FarmPlacement {
  kind: string;
  value: string;
}

/** What a farm answered to a submission. */
export interface FarmSubmission {
  /** The farm's own id, as a string whatever the farm uses (UUID, integer, ObjectId). */
  farmJobId: string;
  /** Where a person can see the job, when the farm has a web page for it. */
  url?: string;
  state: FarmJobState;
  /** What the farm sent back, for the job record. */
  raw?: unknown;
}

export interface FarmJobStatus {
  state: FarmJobState;
  /** 0 to 100. */
  progress: number;
  /** What the farm says is happening, or why it failed. */
  message?: string;
  /** The farm's own word for the state (Flamenco `cancel-requested`, Afanasy `RDY RUN`, Deadline `Suspended`). */
  farmStatus: string;
}

export type FarmCallOutcome = 'ok' | 'permanent-error' | 'transient-error';

export interface FarmCallCounts {
  ok: number;
  permanentError: number;
  transientError: number;
  totalMs: number;
}

/** HTTP calls made to the farm, by operation (e.g. `submit`, `status`), for metrics. */
export interface FarmStats {
  farm: string;
  total: FarmCallCounts;
  byOperation: Record<string, FarmCallCounts>;
}

/**
 * One render farm. Adapters hold no per-job state, so any worker process can follow a job
 * another one submitted. Every failure is a FarmError that says whether trying later may help.
 */
export interface FarmAdapter {
  /** Registry key, the value of RENDER_FARM, e.g. `flamenco`. */
  readonly kind: string;
  /** For people: "Flamenco", "Afanasy (CGRU)", "Deadline". */
  readonly label: string;
  submit(spec: FarmJobSpec): Promise<FarmSubmission>;
  status(farmJobId: string): Promise<FarmJobStatus>;
  cancel(farmJobId: string): Promise<void>;
  /** Resolves when the farm answers; throws a FarmError otherwise. */
  ping(): Promise<void>;
  jobUrl?(farmJobId: string): string;
  stats(): FarmStats;
  /** The kinds of place this farm can send a job to (none: the farm takes no such choice). */
  readonly placementKinds?: readonly FarmPlacementKind[];
  /** The places of one kind, as the farm lists them now; throws a FarmError when unreachable. */
  listPlacements?(kind: string): Promise<FarmPlacementChoice[]>;
}
