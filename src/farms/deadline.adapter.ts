import { FarmError } from './farm.errors';
import { basicAuth, FarmHttp, type FarmHttpAnswer } from './farm-http';
import {
  baseNameOf,
  checkFarmJobSpec,
  directoryOf,
  frameRange,
  hashedOutputPath,
  kitsuMetadata,
  placementOf,
} from './farm-spec';
import type { FarmAdapterEntry } from './farm.registry';
import type {
  FarmAdapter,
  FarmJobSpec,
  FarmJobState,
  FarmJobStatus,
  FarmPlacementChoice,
  FarmPlacementKind,
  FarmStats,
  FarmSubmission,
} from './farm.types';

export interface DeadlineAdapterOptions {
  /** Deadline Web Service, e.g. http://deadline-web:8082. */
  url: string;
  plugin: string;
  pool?: string;
  group?: string;
  /** Basic auth, when the Web Service requires authentication. */
  user?: string;
  password?: string;
  timeoutMs: number;
}

/** A job as the Web Service returns it (the fields the adapter reads). */
export interface DeadlineJob {
  _id: string;
  /** 0 unknown, 1 active, 2 suspended, 3 completed, 4 failed, 6 pending. */
  Stat?: number;
  Props?: Record<string, unknown>;
  QueuedChunks?: number;
  RenderingChunks?: number;
  CompletedChunks?: number;
  FailedChunks?: number;
  SuspendedChunks?: number;
  PendingChunks?: number;
  Errs?: number;
}

const KIND = 'deadline';

/**
 * Thinkbox Deadline through its Web Service REST API. The Kitsu ids travel as
 * `ExtraInfoKeyValueN` entries (`kitsu.task_id=<uuid>`), which Deadline shows and can filter on.
 */
export class DeadlineAdapter implements FarmAdapter {
  readonly kind = KIND;
  readonly label = 'Deadline';
  /** A job goes to one pool and one group (JobInfo `Pool`, `Group`). */
  readonly placementKinds: readonly FarmPlacementKind[] = [
    { key: 'pool', label: 'Pool' },
    { key: 'group', label: 'Group' },
  ];
  private readonly http: FarmHttp;

  constructor(private readonly options: DeadlineAdapterOptions) {
    this.http = new FarmHttp({
      farm: KIND,
      baseUrl: options.url,
      timeoutMs: options.timeoutMs,
      headers:
        options.user && options.password
          ? { Authorization: basicAuth(options.user, options.password) }
          : undefined,
    });
  }

  async submit(spec: FarmJobSpec): Promise<FarmSubmission> {
    checkFarmJobSpec(KIND, spec);
    const job = await this.http.call(
      { operation: 'submit', method: 'POST', path: '/api/jobs', body: this.buildSubmission(spec) },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('submit', answer);
        return this.readJob('submit', answer);
      },
    );
    return { farmJobId: job._id, state: statusOfDeadlineJob(job).state, raw: job };
  }

  async status(farmJobId: string): Promise<FarmJobStatus> {
    const job = await this.http.call(
      {
        operation: 'status',
        method: 'GET',
        path: `/api/jobs?JobID=${encodeURIComponent(farmJobId)}`,
      },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('status', answer);
        const list = Array.isArray(answer.body) ? (answer.body as unknown[]) : [answer.body];
        const found = list.find(
          (job): job is DeadlineJob =>
            Boolean(job) && typeof job === 'object' && (job as DeadlineJob)._id === farmJobId,
        );
        if (!found) {
          throw new FarmError(KIND, 'status', 'not-found', `Deadline has no job ${farmJobId}`, {
            status: answer.status,
            body: answer.body,
          });
        }
        return found;
      },
    );
    return statusOfDeadlineJob(job);
  }

  /** Deadline's way to stop a job and keep it: suspend (its status then reads `paused`). */
  async cancel(farmJobId: string): Promise<void> {
    await this.http.call(
      {
        operation: 'cancel',
        method: 'PUT',
        path: '/api/jobs',
        body: { Command: 'suspend', JobID: farmJobId },
      },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('cancel', answer);
      },
    );
  }

  async ping(): Promise<void> {
    await this.http.call({ operation: 'ping', method: 'GET', path: '/api/pools' }, (answer) => {
      if (answer.status !== 200) throw this.http.errorFor('ping', answer);
    });
  }

  stats(): FarmStats {
    return this.http.stats();
  }

  /** Pool or group names as the Web Service lists them (`GET /api/pools`, `GET /api/groups`). */
  async listPlacements(kind: string): Promise<FarmPlacementChoice[]> {
    const path = { pool: '/api/pools', group: '/api/groups' }[kind];
    if (!path) return [];
    const operation = `${kind}s`;
    return this.http.call({ operation, method: 'GET', path }, (answer) => {
      if (answer.status !== 200) throw this.http.errorFor(operation, answer);
      if (!Array.isArray(answer.body)) {
        throw this.http.protocolError(operation, `answer is not a list of ${kind} names`, answer);
      }
      return (answer.body as unknown[])
        .filter((name): name is string => typeof name === 'string' && name !== '')
        .map((name) => ({ value: name, label: name }));
    });
  }

  buildSubmission(spec: FarmJobSpec): Record<string, unknown> {
    const output = hashedOutputPath(spec.outputPath);
    const metadata = { ...spec.metadata, 'user.name': spec.submitter.name, ...kitsuMetadata(spec) };
    const jobInfo: Record<string, string> = {
      Plugin: this.options.plugin,
      Name: spec.name,
      Frames: frameRange(spec.frameIn, spec.frameOut),
      // Deadline reads job info as text, as in a job info file.
      ChunkSize: String(spec.framesPerTask),
      Priority: String(spec.priority),
      UserName: spec.submitter.login,
      Comment: `Submitted from Kitsu for ${spec.submitter.name}`,
      OutputDirectory0: directoryOf(output),
      OutputFilename0: baseNameOf(output),
    };
    const pool = placementOf(spec, 'pool') ?? this.options.pool;
    const group = placementOf(spec, 'group') ?? this.options.group;
    if (pool) jobInfo.Pool = pool;
    if (group) jobInfo.Group = group;
    if (spec.batch) jobInfo.BatchName = spec.batch;
    Object.entries(metadata).forEach(([key, value], index) => {
      jobInfo[`ExtraInfoKeyValue${index}`] = `${key}=${value}`;
    });
    const pluginInfo: Record<string, unknown> = {
      SceneFile: spec.scenePath,
      OutputFile: output,
      ...spec.extra,
    };
    return { JobInfo: jobInfo, PluginInfo: pluginInfo, AuxFiles: [] };
  }

  private readJob(operation: string, answer: FarmHttpAnswer): DeadlineJob {
    const job = answer.body as DeadlineJob;
    if (!job || typeof job !== 'object' || typeof job._id !== 'string' || !job._id) {
      throw this.http.protocolError(operation, 'answer is not a Deadline job (no _id)', answer);
    }
    return job;
  }
}

export function statusOfDeadlineJob(job: DeadlineJob): FarmJobStatus {
  const completed = job.CompletedChunks ?? 0;
  const rendering = job.RenderingChunks ?? 0;
  const failed = job.FailedChunks ?? 0;
  const total =
    (job.QueuedChunks ?? 0) +
    rendering +
    completed +
    failed +
    (job.SuspendedChunks ?? 0) +
    (job.PendingChunks ?? 0);
  let state: FarmJobState;
  let farmStatus: string;
  switch (job.Stat) {
    case 1:
      state = rendering > 0 || completed > 0 ? 'active' : 'queued';
      farmStatus = rendering > 0 ? 'Rendering' : 'Queued';
      break;
    case 2:
      state = 'paused';
      farmStatus = 'Suspended';
      break;
    case 3:
      state = 'completed';
      farmStatus = 'Completed';
      break;
    case 4:
      state = 'failed';
      farmStatus = 'Failed';
      break;
    case 6:
      state = 'queued';
      farmStatus = 'Pending';
      break;
    default:
      state = 'queued';
      farmStatus = `Stat ${String(job.Stat ?? 'unknown')}`;
  }
  const progress = state === 'completed' ? 100 : total > 0 ? (100 * completed) / total : 0;
  const errors = job.Errs ?? 0;
  return {
    state,
    progress: Math.round(progress),
    message:
      state === 'failed'
        ? `${failed} task${failed === 1 ? '' : 's'} failed${errors ? `, ${errors} errors` : ''}`
        : undefined,
    farmStatus,
  };
}

export const deadlineFarm: FarmAdapterEntry = {
  label: 'Deadline',
  urlVariable: 'DEADLINE_URL',
  create: (config) =>
    new DeadlineAdapter({
      url: config.DEADLINE_URL ?? '',
      plugin: config.DEADLINE_PLUGIN,
      pool: config.DEADLINE_POOL,
      group: config.DEADLINE_GROUP,
      user: config.DEADLINE_USER,
      password: config.DEADLINE_PASSWORD,
      timeoutMs: config.FARM_TIMEOUT_MS,
    }),
};
