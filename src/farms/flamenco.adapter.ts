import { FarmError } from './farm.errors';
import { FarmHttp, type FarmHttpAnswer } from './farm-http';
import {
  checkFarmJobSpec,
  directoryOf,
  frameRange,
  hashedOutputPath,
  kitsuMetadata,
  placementOf,
} from './farm-spec';
import type { FarmAdapterEntry, FarmLogger } from './farm.registry';
import type {
  FarmAdapter,
  FarmJobSpec,
  FarmJobState,
  FarmJobStatus,
  FarmPlacementChoice,
  FarmPlacementKind,
  FarmSettingValue,
  FarmStats,
  FarmSubmission,
} from './farm.types';

/** A job type setting as `GET /api/v3/jobs/types` describes it. */
export interface FlamencoJobSetting {
  key: string;
  type: 'string' | 'int32' | 'float' | 'bool';
  subtype?: string;
  required?: boolean;
  default?: unknown;
  choices?: string[];
  eval?: string;
  visible?: string;
  editable?: boolean;
  description?: string;
}

export interface FlamencoJobType {
  name: string;
  label: string;
  description?: string;
  settings: FlamencoJobSetting[];
  etag: string;
}

/** Flamenco's `Job` (a `SubmittedJob` plus what the Manager adds). */
export interface FlamencoJob {
  id: string;
  name: string;
  type: string;
  type_etag?: string;
  priority: number;
  submitter_platform: string;
  settings?: Record<string, unknown>;
  metadata?: Record<string, string>;
  worker_tag?: string;
  created: string;
  updated: string;
  status: string;
  activity: string;
  steps_completed?: number;
  steps_total?: number;
}

export interface FlamencoAdapterOptions {
  /** Manager root, e.g. http://flamenco:8080. */
  url: string;
  jobType: string;
  submitterPlatform: string;
  workerTag?: string;
  timeoutMs: number;
  logger?: FarmLogger;
}

const KIND = 'flamenco';

/** Flamenco statuses in the service's words; the ones still moving map to where the work is. */
const STATES: Record<string, FarmJobState> = {
  'under-construction': 'queued',
  queued: 'queued',
  requeueing: 'queued',
  active: 'active',
  // Tasks keep running until the Manager has paused or canceled them.
  'pause-requested': 'active',
  'cancel-requested': 'active',
  paused: 'paused',
  completed: 'completed',
  failed: 'failed',
  'construction-failed': 'failed',
  canceled: 'canceled',
  // Only finished jobs are archived.
  archiving: 'completed',
  archived: 'completed',
};

/** File extension Blender gives each image format (Flamenco's `image_file_extension`). */
const EXTENSIONS: Record<string, string> = {
  OPEN_EXR: '.exr',
  OPEN_EXR_MULTILAYER: '.exr',
  PNG: '.png',
  JPEG: '.jpg',
  JPEG2000: '.jp2',
  TIFF: '.tif',
  TARGA: '.tga',
  TARGA_RAW: '.tga',
  BMP: '.bmp',
  IRIS: '.rgb',
  CINEON: '.cin',
  DPX: '.dpx',
  HDR: '.hdr',
  WEBP: '.webp',
};

/**
 * Flamenco v3 Manager. Settings are filled for the configured job type from what its
 * definition declares: the values the Blender add-on would compute (frames, output path, fps,
 * format...), then the type's defaults, then the spec's `extra` settings. The job type and
 * its etag are read once and read again when the Manager answers 412 (the type changed).
 */
export class FlamencoAdapter implements FarmAdapter {
  readonly kind = KIND;
  readonly label = 'Flamenco';
  /** A job may be limited to the Workers of one tag (`worker_tag`, the tag's UUID). */
  readonly placementKinds: readonly FarmPlacementKind[] = [{ key: 'tag', label: 'Worker tag' }];
  private readonly http: FarmHttp;
  private jobTypeCache: Promise<FlamencoJobType> | null = null;

  constructor(private readonly options: FlamencoAdapterOptions) {
    this.http = new FarmHttp({ farm: KIND, baseUrl: options.url, timeoutMs: options.timeoutMs });
  }

  async submit(spec: FarmJobSpec): Promise<FarmSubmission> {
    checkFarmJobSpec(KIND, spec);
    let jobType = await this.jobType();
    let job: FlamencoJob;
    try {
      job = await this.post(spec, jobType);
    } catch (error) {
      if (!(error instanceof FarmError && error.kind === 'etag-mismatch')) throw error;
      this.options.logger?.warn(
        `Flamenco job type ${jobType.name} changed on the Manager (etag ${jobType.etag}); reading it again`,
      );
      this.jobTypeCache = null;
      jobType = await this.jobType();
      try {
        job = await this.post(spec, jobType);
      } catch (again) {
        if (again instanceof FarmError && again.kind === 'etag-mismatch') {
          throw new FarmError(
            KIND,
            'submit',
            'etag-mismatch',
            `job type ${jobType.name} changed again while submitting (${again.farmMessage}); try again later`,
            { status: again.status, body: again.body },
          );
        }
        throw again;
      }
    }
    return {
      farmJobId: job.id,
      url: this.jobUrl(job.id),
      state: STATES[job.status] ?? 'queued',
      raw: job,
    };
  }

  async status(farmJobId: string): Promise<FarmJobStatus> {
    const job = await this.http.call(
      { operation: 'status', method: 'GET', path: `/api/v3/jobs/${encodeURIComponent(farmJobId)}` },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('status', answer);
        return this.readJob('status', answer);
      },
    );
    return statusOfJob(job);
  }

  async cancel(farmJobId: string): Promise<void> {
    await this.http.call(
      {
        operation: 'cancel',
        method: 'POST',
        path: `/api/v3/jobs/${encodeURIComponent(farmJobId)}/setstatus`,
        body: { status: 'cancel-requested', reason: 'Canceled from Kitsu' },
      },
      (answer) => {
        if (answer.status !== 204 && answer.status !== 200) {
          throw this.http.errorFor('cancel', answer);
        }
      },
    );
  }

  async ping(): Promise<void> {
    await this.http.call(
      { operation: 'ping', method: 'GET', path: '/api/v3/version' },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('ping', answer);
      },
    );
  }

  /** The Manager's worker tags (`GET /api/v3/worker-mgt/tags`): the UUID, by its name. */
  async listPlacements(kind: string): Promise<FarmPlacementChoice[]> {
    if (kind !== 'tag') return [];
    return this.http.call(
      { operation: 'worker tags', method: 'GET', path: '/api/v3/worker-mgt/tags' },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('worker tags', answer);
        const tags = (answer.body as { tags?: unknown })?.tags;
        if (!Array.isArray(tags)) {
          throw this.http.protocolError('worker tags', 'answer without a tags list', answer);
        }
        return (tags as Array<{ id?: unknown; name?: unknown }>)
          .filter((tag) => typeof tag?.id === 'string' && tag.id !== '')
          .map((tag) => ({
            value: tag.id as string,
            label: typeof tag.name === 'string' && tag.name ? tag.name : (tag.id as string),
          }));
      },
    );
  }

  jobUrl(farmJobId: string): string {
    return `${this.http.baseUrl}/app/jobs/${encodeURIComponent(farmJobId)}`;
  }

  stats(): FarmStats {
    return this.http.stats();
  }

  /** The settings and metadata that would be sent for a spec; exported for tests and the job page. */
  buildSubmission(spec: FarmJobSpec, jobType: FlamencoJobType): Record<string, unknown> {
    const settings = this.settingsFor(spec, jobType);
    const workerTag = placementOf(spec, 'tag') ?? this.options.workerTag;
    return {
      name: spec.name,
      type: jobType.name,
      type_etag: jobType.etag,
      priority: spec.priority,
      submitter_platform: this.options.submitterPlatform,
      settings,
      metadata: {
        ...spec.metadata,
        'user.name': spec.submitter.name,
        ...(spec.submitter.email ? { 'user.email': spec.submitter.email } : {}),
        ...kitsuMetadata(spec),
      },
      ...(workerTag ? { worker_tag: workerTag } : {}),
    };
  }

  /** The configured job type, read once; concurrent callers share one request. */
  private jobType(): Promise<FlamencoJobType> {
    if (!this.jobTypeCache) {
      const reading = this.readJobType();
      this.jobTypeCache = reading;
      reading.catch(() => {
        if (this.jobTypeCache === reading) this.jobTypeCache = null;
      });
    }
    return this.jobTypeCache;
  }

  private readJobType(): Promise<FlamencoJobType> {
    const wanted = this.options.jobType;
    return this.http.call(
      { operation: 'job types', method: 'GET', path: '/api/v3/jobs/types' },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor('job types', answer);
        const types = (answer.body as { job_types?: unknown })?.job_types;
        if (!Array.isArray(types)) {
          throw this.http.protocolError('job types', 'answer without a job_types list', answer);
        }
        const found = (types as FlamencoJobType[]).find((type) => type?.name === wanted);
        if (!found) {
          const names = (types as FlamencoJobType[]).map((type) => type?.name).join(', ');
          throw new FarmError(
            KIND,
            'job types',
            'rejected',
            `the Manager has no job type "${wanted}" (it has: ${names || 'none'}); check FLAMENCO_JOB_TYPE`,
            { status: answer.status },
          );
        }
        if (typeof found.etag !== 'string' || !Array.isArray(found.settings)) {
          throw this.http.protocolError('job types', `job type ${wanted} has no etag or settings`);
        }
        return found;
      },
    );
  }

  private post(spec: FarmJobSpec, jobType: FlamencoJobType): Promise<FlamencoJob> {
    const body = this.buildSubmission(spec, jobType);
    return this.http.call(
      { operation: 'submit', method: 'POST', path: '/api/v3/jobs', body },
      (answer) => {
        if (answer.status === 412) {
          throw new FarmError(
            KIND,
            'submit',
            'etag-mismatch',
            this.http.errorFor('submit', answer).farmMessage,
            { status: 412, body: answer.body },
          );
        }
        if (answer.status !== 200) throw this.http.errorFor('submit', answer);
        return this.readJob('submit', answer);
      },
    );
  }

  private readJob(operation: string, answer: FarmHttpAnswer): FlamencoJob {
    const job = answer.body as FlamencoJob;
    if (!job || typeof job !== 'object' || typeof job.id !== 'string' || !job.status) {
      throw this.http.protocolError(operation, 'answer is not a Flamenco job', answer);
    }
    return job;
  }

  private settingsFor(spec: FarmJobSpec, jobType: FlamencoJobType): Record<string, unknown> {
    const outputPath = hashedOutputPath(spec.outputPath);
    const format = typeof spec.extra?.format === 'string' ? spec.extra.format : 'OPEN_EXR';
    // What the Blender add-on evaluates in Blender; a submitter from outside Blender supplies it.
    const computed: Record<string, FarmSettingValue> = {
      frames: frameRange(spec.frameIn, spec.frameOut),
      chunk_size: spec.framesPerTask,
      blendfile: spec.scenePath,
      render_output_root: directoryOf(outputPath),
      add_path_components: 0,
      render_output_path: outputPath,
      fps: spec.fps,
      format,
      image_file_extension: EXTENSIONS[format] ?? `.${format.toLowerCase()}`,
      has_previews: false,
      scene: 'Scene',
    };
    const declared = new Map(jobType.settings.map((setting) => [setting.key, setting]));
    const settings: Record<string, unknown> = {};
    for (const setting of jobType.settings) {
      if (setting.key in computed) settings[setting.key] = computed[setting.key];
      else if (setting.default !== undefined && setting.default !== null) {
        settings[setting.key] = setting.default;
      }
    }
    for (const [key, value] of Object.entries(spec.extra ?? {})) {
      settings[key] = coerce(value, declared.get(key)?.type);
    }
    const missing = jobType.settings
      .filter((setting) => setting.required && settings[setting.key] === undefined)
      .map((setting) => setting.key);
    if (missing.length > 0) {
      throw new FarmError(
        KIND,
        'submit',
        'rejected',
        `job type ${jobType.name} requires ${missing.join(', ')}, which the service cannot work out; give ${missing.length > 1 ? 'them' : 'it'} in the render's extra settings`,
      );
    }
    return settings;
  }
}

/** Env values arrive as strings; the Manager wants the setting's declared type. */
function coerce(value: FarmSettingValue, type: FlamencoJobSetting['type'] | undefined): unknown {
  if (typeof value !== 'string') return type === 'string' ? String(value) : value;
  const text = value.trim();
  if (type === 'int32' && /^-?\d+$/.test(text)) return Number(text);
  if (type === 'float' && text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'bool' && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  return value;
}

export function statusOfJob(job: FlamencoJob): FarmJobStatus {
  const state = STATES[job.status];
  const total = job.steps_total ?? 0;
  let progress = total > 0 ? Math.round((100 * (job.steps_completed ?? 0)) / total) : 0;
  if (state === 'completed') progress = 100;
  return {
    state: state ?? 'queued',
    progress: Math.max(0, Math.min(100, progress)),
    message: state
      ? job.activity || undefined
      : `Flamenco status "${job.status}" is not one the service knows${job.activity ? `: ${job.activity}` : ''}`,
    farmStatus: job.status,
  };
}

export const flamencoFarm: FarmAdapterEntry = {
  label: 'Flamenco',
  urlVariable: 'FLAMENCO_URL',
  create: (config, { logger }) =>
    new FlamencoAdapter({
      url: config.FLAMENCO_URL ?? '',
      jobType: config.FLAMENCO_JOB_TYPE,
      submitterPlatform: config.FLAMENCO_SUBMITTER_PLATFORM,
      workerTag: config.FLAMENCO_WORKER_TAG,
      timeoutMs: config.FARM_TIMEOUT_MS,
      logger,
    }),
};
