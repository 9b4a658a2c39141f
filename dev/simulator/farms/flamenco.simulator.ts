import { createHash, randomUUID } from 'node:crypto';
import type {
  FlamencoJob,
  FlamencoJobSetting,
  FlamencoJobType,
} from '../../../src/farms/flamenco.adapter';
import {
  chunkCount,
  clampPercent,
  controlCharacterAt,
  pathHazard,
  startFarmSimServer,
  type FarmRequestLogEntry,
  type FarmSimFaults,
  type SimAnswer,
  type SimJobState,
  type SimRequest,
} from './farm-sim-kit';

export interface FlamencoSimulatorOptions {
  host?: string;
  port?: number;
  /** Jobs move by themselves (queued → active → completed) every `everyMs`, for demos. */
  autoRun?: { everyMs: number; progressPerTick: number };
  /** The Manager's worker tags (default: `lighting` and `fx`, with random UUIDs). */
  workerTags?: FlamencoWorkerTag[];
}

/** A worker tag as `GET /api/v3/worker-mgt/tags` lists it. */
export interface FlamencoWorkerTag {
  id: string;
  name: string;
  description?: string;
}

export interface FlamencoSimulator {
  /** Manager root, e.g. http://127.0.0.1:PORT (the API is under /api/v3). */
  url: string;
  jobs: Map<string, FlamencoJob>;
  jobTypes: Map<string, FlamencoJobType>;
  /** Worker tags by UUID; a job's `worker_tag` must be one of them. */
  workerTags: Map<string, FlamencoWorkerTag>;
  log: FarmRequestLogEntry[];
  /** Submissions (`POST /api/v3/jobs`) in the log, with their verdicts. */
  submissions(): FarmRequestLogEntry[];
  advance(jobId: string, state: SimJobState, progress?: number, message?: string): void;
  /** Changes a job type's etag, as editing its compiler script on the Manager does. */
  setJobTypeEtag(name: string, etag: string): void;
  /** While on, every submission changes the job type first, so no etag ever matches. */
  setJobTypeChurn(on: boolean): void;
  setUnavailable(unavailable: boolean): void;
  setFaults(faults: FarmSimFaults): void;
  close(): Promise<void>;
}

/** The Manager's built-in job type (Flamenco 3.x), as the Blender add-on sees it. */
function simpleBlenderRender(): Omit<FlamencoJobType, 'etag'> {
  return {
    name: 'simple-blender-render',
    label: 'Simple Blender Render',
    description: 'Render a sequence of frames, and create a preview video file',
    settings: [
      {
        key: 'frames',
        type: 'string',
        required: true,
        eval: "f'{C.scene.frame_start}-{C.scene.frame_end}'",
      },
      { key: 'chunk_size', type: 'int32', default: 1, visible: 'submission' },
      {
        key: 'render_output_root',
        type: 'string',
        subtype: 'dir_path',
        required: true,
        visible: 'submission',
      },
      {
        key: 'add_path_components',
        type: 'int32',
        required: true,
        default: 0,
        visible: 'submission',
      },
      {
        key: 'render_output_path',
        type: 'string',
        subtype: 'file_path',
        editable: false,
        eval: 'str(Path(...))',
      },
      { key: 'blendfile', type: 'string', required: true, visible: 'web' },
      {
        key: 'fps',
        type: 'float',
        eval: 'C.scene.render.fps / C.scene.render.fps_base',
        visible: 'hidden',
      },
      {
        key: 'format',
        type: 'string',
        required: true,
        eval: 'C.scene.render.image_settings.file_format',
        visible: 'web',
      },
      {
        key: 'image_file_extension',
        type: 'string',
        required: true,
        eval: 'C.scene.render.file_extension',
        visible: 'hidden',
      },
      {
        key: 'has_previews',
        type: 'bool',
        required: false,
        eval: 'C.scene.render.image_settings.use_preview',
        visible: 'hidden',
      },
      { key: 'scene', type: 'string', required: true, eval: 'C.scene.name', visible: 'web' },
    ],
  };
}

function echoSleepTest(): Omit<FlamencoJobType, 'etag'> {
  return {
    name: 'echo-sleep-test',
    label: 'Echo Sleep Test',
    settings: [
      { key: 'message', type: 'string', required: true },
      { key: 'sleep_duration_seconds', type: 'int32', default: 1 },
    ],
  };
}

const VIDEO_FORMATS = ['FFMPEG', 'AVI_RAW', 'AVI_JPEG'];
const JOB_STATUSES = [
  'active',
  'canceled',
  'completed',
  'construction-failed',
  'failed',
  'paused',
  'queued',
  'archived',
  'archiving',
  'cancel-requested',
  'pause-requested',
  'requeueing',
  'under-construction',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Flamenco's frame lists: "47", "1-30", "3, 5-10, 47-327". */
const FRAME_LIST = /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/;

const error = (status: number, message: string): SimAnswer => ({
  status,
  body: { code: status, message },
  reason: message,
});
const schemaError = (detail: string) =>
  error(
    400,
    `request body has an error: doesn't match schema #/components/schemas/SubmittedJob: ${detail}`,
  );

/**
 * A Flamenco v3 Manager's job API: job types with etags, submission checked like the Manager's
 * OpenAPI validator and job compiler do, job status, status changes and the `{code, message}`
 * errors (400 bad request, 404, 412 stale etag, 422 refused status change, 503 when busy).
 */
export async function startFlamencoSimulator(
  options: FlamencoSimulatorOptions = {},
): Promise<FlamencoSimulator> {
  const jobs = new Map<string, FlamencoJob>();
  const jobTypes = new Map<string, FlamencoJobType>();
  for (const type of [simpleBlenderRender(), echoSleepTest()]) {
    jobTypes.set(type.name, { ...type, etag: etagOf(type) });
  }
  let churn = false;
  const workerTags = new Map<string, FlamencoWorkerTag>(
    (
      options.workerTags ?? [
        { id: randomUUID(), name: 'lighting', description: 'GPU render nodes' },
        { id: randomUUID(), name: 'fx' },
      ]
    ).map((tag) => [tag.id, tag]),
  );

  const bumpEtag = (name: string) => {
    const type = jobTypes.get(name);
    if (type) type.etag = createHash('sha1').update(`${type.etag}+`).digest('hex');
  };

  const advance = (jobId: string, state: SimJobState, progress?: number, message?: string) => {
    const job = jobs.get(jobId);
    if (!job) throw new Error(`Flamenco simulator has no job ${jobId}`);
    const total = job.steps_total ?? 1;
    job.status = state;
    if (state === 'completed') job.steps_completed = total;
    else if (progress !== undefined) {
      job.steps_completed = Math.round((clampPercent(progress) / 100) * total);
    }
    job.activity =
      message ??
      {
        queued: 'Queued',
        active: `Rendering, ${job.steps_completed}/${total} tasks done`,
        paused: 'Paused',
        completed: 'Job completed',
        failed: 'Job failed: too many task failures',
        canceled: 'Job canceled',
      }[state];
    job.updated = new Date().toISOString();
  };

  const validate = (body: unknown): { problem?: SimAnswer; jobType?: FlamencoJobType } => {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return { problem: error(400, 'invalid format') };
    }
    const job = body as Record<string, unknown>;
    for (const key of ['name', 'type', 'priority', 'submitter_platform']) {
      if (job[key] === undefined) {
        return { problem: schemaError(`Error at "/${key}": property "${key}" is missing`) };
      }
    }
    for (const key of ['name', 'type', 'submitter_platform', 'type_etag', 'worker_tag']) {
      if (job[key] !== undefined && typeof job[key] !== 'string') {
        return { problem: schemaError(`Error at "/${key}": value must be a string`) };
      }
    }
    if (!Number.isInteger(job.priority)) {
      return { problem: schemaError('Error at "/priority": value must be an integer') };
    }
    if ((job.priority as number) < 0 || (job.priority as number) > 100) {
      return { problem: schemaError('Error at "/priority": number must be between 0 and 100') };
    }
    for (const key of ['settings', 'metadata']) {
      const value = job[key];
      if (
        value !== undefined &&
        (typeof value !== 'object' || value === null || Array.isArray(value))
      ) {
        return { problem: schemaError(`Error at "/${key}": value must be an object`) };
      }
    }
    for (const [key, value] of Object.entries((job.metadata as object | undefined) ?? {})) {
      if (typeof value !== 'string') {
        return { problem: schemaError(`Error at "/metadata/${key}": value must be a string`) };
      }
    }
    if (
      job.initial_status !== undefined &&
      !['queued', 'paused'].includes(job.initial_status as string)
    ) {
      return {
        problem: schemaError('Error at "/initial_status": value is not one of the allowed values'),
      };
    }
    if (typeof job.worker_tag === 'string' && job.worker_tag !== '') {
      if (!UUID.test(job.worker_tag)) {
        return {
          problem: schemaError('Error at "/worker_tag": string doesn\'t match the format "uuid"'),
        };
      }
      if (!workerTags.has(job.worker_tag)) {
        return { problem: error(400, `unknown worker tag "${job.worker_tag}"`) };
      }
    }
    const jobType = jobTypes.get(job.type as string);
    if (!jobType)
      return { problem: error(400, `error compiling job: job type "${String(job.type)}" unknown`) };
    if (churn) bumpEtag(jobType.name);
    if (
      typeof job.type_etag === 'string' &&
      job.type_etag !== '' &&
      job.type_etag !== jobType.etag
    ) {
      return { problem: error(412, 'rejecting job, job type etag does not match') };
    }
    const settings = (job.settings ?? {}) as Record<string, unknown>;
    // Simulator safety checks, stricter than the Manager: names and paths that would reach the
    // Workers' command lines or file systems with control characters or `..` segments.
    const control = controlCharacterAt({ name: job.name, settings, metadata: job.metadata });
    if (control) {
      return { problem: error(400, `simulator safety check: ${control} has a control character`) };
    }
    for (const setting of jobType.settings) {
      const isPath =
        setting.key === 'blendfile' ||
        setting.subtype === 'file_path' ||
        setting.subtype === 'dir_path';
      const hazard = isPath ? pathHazard(settings[setting.key]) : null;
      if (hazard) {
        return {
          problem: error(400, `simulator safety check: setting "${setting.key}" ${hazard}`),
        };
      }
    }
    const problem = settingsProblem(jobType, settings);
    if (problem) return { problem: error(400, `error compiling job: ${problem}`) };
    return { jobType };
  };

  const submit = (request: SimRequest): SimAnswer => {
    if (request.jsonError) return error(400, 'invalid format');
    const { problem } = validate(request.body);
    if (problem) return problem;
    const body = request.body as Record<string, unknown>;
    const settings = (body.settings ?? {}) as Record<string, unknown>;
    const now = new Date().toISOString();
    const job: FlamencoJob = {
      id: randomUUID(),
      name: body.name as string,
      type: body.type as string,
      ...(body.type_etag ? { type_etag: body.type_etag as string } : {}),
      priority: body.priority as number,
      submitter_platform: body.submitter_platform as string,
      settings,
      metadata: (body.metadata ?? {}) as Record<string, string>,
      ...(body.worker_tag ? { worker_tag: body.worker_tag as string } : {}),
      created: now,
      updated: now,
      status: body.initial_status === 'paused' ? 'paused' : 'queued',
      activity: 'Queued',
      steps_completed: 0,
      steps_total: stepsOf(settings),
    };
    jobs.set(job.id, job);
    return { status: 200, body: job };
  };

  const setStatus = (jobId: string, request: SimRequest): SimAnswer => {
    const job = jobs.get(jobId);
    if (!job) return error(404, 'no such job');
    const change = request.body as { status?: unknown; reason?: unknown } | undefined;
    if (!change || typeof change.status !== 'string' || typeof change.reason !== 'string') {
      return error(400, 'invalid format');
    }
    if (!JOB_STATUSES.includes(change.status)) return error(400, 'invalid format');
    const from = job.status;
    let to: string | null = null;
    if (change.status === 'cancel-requested') {
      if (['queued', 'paused', 'under-construction', 'requeueing', 'failed'].includes(from))
        to = 'canceled';
      else if (['active', 'pause-requested'].includes(from)) to = 'cancel-requested';
    } else if (change.status === 'pause-requested' || change.status === 'paused') {
      if (from === 'queued') to = 'paused';
      else if (from === 'active') to = 'pause-requested';
    } else if (change.status === 'requeueing' || change.status === 'queued') {
      if (['paused', 'failed', 'canceled', 'completed'].includes(from)) to = 'queued';
    }
    if (!to) {
      return error(422, `job status change from "${from}" to "${change.status}" is not allowed`);
    }
    job.status = to;
    job.activity = `Status changed to "${to}": ${change.reason}`;
    job.updated = new Date().toISOString();
    return { status: 204 };
  };

  const handle = (request: SimRequest): SimAnswer => {
    const { method, path } = request;
    if (method === 'GET' && path === '/api/v3/version') {
      return {
        status: 200,
        body: {
          version: '3.6-simulator',
          shortversion: '3.6',
          name: 'Flamenco simulator',
          git: 'sim',
        },
      };
    }
    if (method === 'GET' && path === '/api/v3/jobs/types') {
      return { status: 200, body: { job_types: [...jobTypes.values()].map(copy) } };
    }
    if (method === 'GET' && path === '/api/v3/worker-mgt/tags') {
      return { status: 200, body: { tags: [...workerTags.values()].map(copy) } };
    }
    if (method === 'POST' && path === '/api/v3/jobs') return submit(request);
    if (method === 'POST' && path === '/api/v3/jobs/check') {
      if (request.jsonError) return error(400, 'invalid format');
      const { problem } = validate(request.body);
      return problem ?? { status: 204 };
    }
    const match = /^\/api\/v3\/jobs\/([^/]+)(\/setstatus)?$/.exec(path);
    if (match) {
      const jobId = decodeURIComponent(match[1]);
      if (!UUID.test(jobId)) {
        return error(
          400,
          `parameter "job_id" in path has an error: string "${jobId}" is not a uuid`,
        );
      }
      if (match[2] && method === 'POST') return setStatus(jobId, request);
      if (!match[2] && method === 'GET') {
        const job = jobs.get(jobId);
        return job ? { status: 200, body: copy(job) } : error(404, 'no such job');
      }
      if (!match[2] && method === 'DELETE') {
        return jobs.delete(jobId) ? { status: 204 } : error(404, 'no such job');
      }
      return error(405, 'Method Not Allowed');
    }
    return error(404, 'Not Found');
  };

  const autoRun = options.autoRun;
  const server = await startFarmSimServer(
    {
      host: options.host,
      port: options.port,
      busyAnswer: (seconds) => ({
        status: 503,
        headers: { 'Retry-After': String(seconds) },
        body: { code: 503, message: 'database is busy' },
      }),
      tick: autoRun && {
        everyMs: autoRun.everyMs,
        run: () => {
          for (const job of jobs.values()) {
            if (job.status === 'queued') advance(job.id, 'active', 0);
            else if (job.status === 'active') {
              const done = ((job.steps_completed ?? 0) / (job.steps_total || 1)) * 100;
              const next = done + autoRun.progressPerTick;
              advance(job.id, next >= 100 ? 'completed' : 'active', next);
            } else if (job.status === 'cancel-requested') advance(job.id, 'canceled');
          }
        },
      },
    },
    handle,
  );

  return {
    url: server.url,
    jobs,
    jobTypes,
    workerTags,
    log: server.log,
    submissions: () => server.log.filter((e) => e.method === 'POST' && e.path === '/api/v3/jobs'),
    advance,
    setJobTypeEtag(name, etag) {
      const type = jobTypes.get(name);
      if (!type) throw new Error(`Flamenco simulator has no job type ${name}`);
      type.etag = etag;
    },
    setJobTypeChurn(on) {
      churn = on;
    },
    setUnavailable: server.setUnavailable,
    setFaults: server.setFaults,
    close: server.close,
  };
}

function etagOf(type: Omit<FlamencoJobType, 'etag'>): string {
  return createHash('sha1').update(JSON.stringify(type)).digest('hex');
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** What the job compiler would refuse, in the spirit of its messages; null when it compiles. */
function settingsProblem(
  jobType: FlamencoJobType,
  settings: Record<string, unknown>,
): string | null {
  for (const setting of jobType.settings) {
    const value = settings[setting.key];
    if (value === undefined || value === null) {
      if (setting.required) return `setting "${setting.key}" is required`;
      continue;
    }
    const problem = typeProblem(setting, value);
    if (problem) return problem;
  }
  if (jobType.name === 'simple-blender-render') {
    const frames = settings.frames as string;
    if (!FRAME_LIST.test(frames)) return `invalid frame range "${frames}"`;
    for (const range of frames.split(',')) {
      const [start, end] = range.split('-').map((part) => Number(part.trim()));
      if (end !== undefined && end < start)
        return `invalid frame range "${frames}": ${start} > ${end}`;
    }
    if (
      (settings.chunk_size as number | undefined) !== undefined &&
      (settings.chunk_size as number) < 1
    ) {
      return 'chunk_size must be at least 1';
    }
    const output = settings.render_output_path;
    if (typeof output !== 'string' || output === '') return 'no render_output_path setting!';
    if (!output.endsWith('#')) {
      return `render_output_path "${output}" must end in # characters for the frame number`;
    }
    if (VIDEO_FORMATS.includes(settings.format as string)) {
      return `This job type only renders images, and not "${String(settings.format)}"`;
    }
  }
  return null;
}

function typeProblem(setting: FlamencoJobSetting, value: unknown): string | null {
  const ok = {
    string: typeof value === 'string',
    int32: Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1,
    float: typeof value === 'number' && Number.isFinite(value),
    bool: typeof value === 'boolean',
  }[setting.type];
  if (!ok)
    return `setting "${setting.key}" must be of type ${setting.type}, not ${JSON.stringify(value)}`;
  if (setting.choices && !setting.choices.includes(value as string)) {
    return `setting "${setting.key}" must be one of ${setting.choices.join(', ')}`;
  }
  return null;
}

function stepsOf(settings: Record<string, unknown>): number {
  const frames = typeof settings.frames === 'string' ? settings.frames : '';
  const chunk = typeof settings.chunk_size === 'number' ? settings.chunk_size : 1;
  let steps = 0;
  for (const range of frames.split(',')) {
    const [start, end] = range.split('-').map((part) => Number(part.trim()));
    if (Number.isFinite(start))
      steps += chunkCount((Number.isFinite(end) ? end : start) - start + 1, chunk);
  }
  return Math.max(1, steps);
}
