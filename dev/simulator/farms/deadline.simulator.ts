import { randomBytes } from 'node:crypto';
import type { DeadlineJob } from '../../../src/farms/deadline.adapter';
import {
  chunkCount,
  controlCharacterAt,
  pathHazard,
  clampPercent,
  startFarmSimServer,
  type FarmRequestLogEntry,
  type FarmSimFaults,
  type SimAnswer,
  type SimJobState,
  type SimRequest,
} from './farm-sim-kit';

export interface DeadlineSimulatorOptions {
  host?: string;
  port?: number;
  /** When given, every request needs these basic-auth credentials (401 otherwise). */
  auth?: { user: string; password: string };
  autoRun?: { everyMs: number; progressPerTick: number };
  /** Pool and group names (Deadline forces them to lower case; `none` always exists). */
  pools?: string[];
  groups?: string[];
}

export interface DeadlineSimJob extends DeadlineJob {
  Stat: number;
  Props: Record<string, unknown>;
  PluginInfo: Record<string, unknown>;
  AuxFiles: unknown[];
  QueuedChunks: number;
  RenderingChunks: number;
  CompletedChunks: number;
  FailedChunks: number;
  SuspendedChunks: number;
  PendingChunks: number;
  Errs: number;
}

export interface DeadlineSimulator {
  /** Web Service root, e.g. http://127.0.0.1:PORT (the API is under /api). */
  url: string;
  jobs: Map<string, DeadlineSimJob>;
  /** What `GET /api/pools` and `GET /api/groups` list; a job's Pool and Group must be in them. */
  pools: string[];
  groups: string[];
  log: FarmRequestLogEntry[];
  /** Submissions (`POST /api/jobs`) in the log, with their verdicts. */
  submissions(): FarmRequestLogEntry[];
  /** Deadline has no canceled state: `canceled` is refused; suspend is `paused`. */
  advance(jobId: string, state: SimJobState, progress?: number, message?: string): void;
  setUnavailable(unavailable: boolean): void;
  setFaults(faults: FarmSimFaults): void;
  close(): Promise<void>;
}

/** Deadline's frame lists: "1-100", "1,3,5", "1-100x2", "10-1". */
const FRAME_LIST = /^\s*-?\d+(\s*-\s*-?\d+(x\d+)?)?(\s*,\s*-?\d+(\s*-\s*-?\d+(x\d+)?)?)*\s*$/;

const text = (status: number, message: string): SimAnswer => ({
  status,
  body: message,
  reason: message,
});

/**
 * Deadline Web Service's job API: submission checked for what Deadline needs (a Plugin, the
 * AuxFiles list, a frame list, numbers where numbers go), jobs with Deadline's Stat codes and
 * chunk counters, the `Command` PUTs, and plain-text errors as the Web Service sends them.
 */
export async function startDeadlineSimulator(
  options: DeadlineSimulatorOptions = {},
): Promise<DeadlineSimulator> {
  const jobs = new Map<string, DeadlineSimJob>();
  const pools = ['none', ...(options.pools ?? ['render', 'lighting']).filter((p) => p !== 'none')];
  const groups = ['none', ...(options.groups ?? ['gpu', 'cpu']).filter((g) => g !== 'none')];

  const tasksOf = (job: DeadlineSimJob) =>
    job.QueuedChunks +
    job.RenderingChunks +
    job.CompletedChunks +
    job.FailedChunks +
    job.SuspendedChunks +
    job.PendingChunks;

  const advance = (jobId: string, state: SimJobState, progress?: number, message?: string) => {
    const job = jobs.get(jobId);
    if (!job) throw new Error(`Deadline simulator has no job ${jobId}`);
    if (state === 'canceled') {
      throw new Error('Deadline has no canceled state: use paused (suspended) or failed');
    }
    const tasks = tasksOf(job);
    const done =
      state === 'completed'
        ? tasks
        : progress !== undefined
          ? Math.floor((clampPercent(progress) / 100) * tasks)
          : job.CompletedChunks;
    const rest = tasks - done;
    Object.assign(job, {
      QueuedChunks: 0,
      RenderingChunks: 0,
      CompletedChunks: done,
      FailedChunks: 0,
      SuspendedChunks: 0,
      PendingChunks: 0,
    });
    if (state === 'queued') Object.assign(job, { Stat: 1, QueuedChunks: rest });
    if (state === 'active') {
      const rendering = Math.min(rest, 1);
      Object.assign(job, { Stat: 1, RenderingChunks: rendering, QueuedChunks: rest - rendering });
    }
    if (state === 'paused') Object.assign(job, { Stat: 2, SuspendedChunks: rest });
    if (state === 'completed') job.Stat = 3;
    if (state === 'failed') {
      Object.assign(job, { Stat: 4, FailedChunks: Math.max(1, rest), Errs: job.Errs + 1 });
    }
    if (message !== undefined) job.Props.Cmmt = message;
  };

  const submit = (request: SimRequest): SimAnswer => {
    if (request.rawBody.trim() === '') return text(400, 'Error: No message body was sent.');
    if (request.jsonError || !request.body || typeof request.body !== 'object') {
      return text(
        400,
        `Error: The message body is not valid JSON (${request.jsonError ?? 'not an object'}).`,
      );
    }
    const body = request.body as Record<string, unknown>;
    const info = body.JobInfo;
    if (!info || typeof info !== 'object' || Array.isArray(info)) {
      return text(400, 'Error: JobInfo was not provided.');
    }
    if (!body.PluginInfo || typeof body.PluginInfo !== 'object' || Array.isArray(body.PluginInfo)) {
      return text(400, 'Error: PluginInfo was not provided.');
    }
    if (!Array.isArray(body.AuxFiles)) {
      return text(
        400,
        'Error: AuxFiles was not provided (send an empty list when there are none).',
      );
    }
    const jobInfo = info as Record<string, unknown>;
    // Deadline writes job and plugin info as `key=value` lines: a line break would add keys.
    const control = controlCharacterAt({ JobInfo: jobInfo, PluginInfo: body.PluginInfo });
    if (control) {
      return text(
        400,
        `Error: ${control} has a control character (job info is one key=value per line).`,
      );
    }
    const pluginInfo = body.PluginInfo as Record<string, unknown>;
    for (const [where, path] of [
      ['PluginInfo.SceneFile', pluginInfo.SceneFile],
      ['PluginInfo.OutputFile', pluginInfo.OutputFile],
      ['JobInfo.OutputDirectory0', jobInfo.OutputDirectory0],
      ['JobInfo.OutputFilename0', jobInfo.OutputFilename0],
    ] as const) {
      const hazard = pathHazard(path);
      if (hazard) return text(400, `Error: simulator safety check: ${where} ${hazard}.`);
    }
    const plugin = jobInfo.Plugin;
    if (typeof plugin !== 'string' || plugin.trim() === '') {
      return text(400, 'Error: Job Info must specify a Plugin.');
    }
    const rawFrames = jobInfo.Frames ?? '0';
    if (typeof rawFrames !== 'string' && typeof rawFrames !== 'number') {
      return text(400, `Error: Invalid frame list ${JSON.stringify(rawFrames)}.`);
    }
    const frames = String(rawFrames);
    if (!FRAME_LIST.test(frames)) return text(400, `Error: Invalid frame list "${frames}".`);
    const chunk = integerOf(jobInfo.ChunkSize, 1);
    if (chunk === null || chunk < 1) {
      return text(
        400,
        `Error: ChunkSize must be a whole number of at least 1 (got ${JSON.stringify(jobInfo.ChunkSize)}).`,
      );
    }
    const priority = integerOf(jobInfo.Priority, 50);
    if (priority === null || priority < 0 || priority > 100) {
      return text(
        400,
        `Error: Priority must be a whole number from 0 to 100 (got ${JSON.stringify(jobInfo.Priority)}).`,
      );
    }
    for (const [key, known] of [
      ['Pool', pools],
      ['Group', groups],
    ] as const) {
      const value = jobInfo[key];
      // Simulator check: a job in a pool or group no Worker belongs to would wait forever.
      if (
        value !== undefined &&
        (typeof value !== 'string' || !known.includes(value.toLowerCase()))
      ) {
        return text(
          400,
          `Error: ${key} ${JSON.stringify(value)} does not exist (known: ${known.join(', ')}).`,
        );
      }
    }
    const extra: Record<string, string> = {};
    for (const [key, value] of Object.entries(jobInfo)) {
      if (!/^ExtraInfoKeyValue\d+$/.test(key)) continue;
      const match = typeof value === 'string' ? /^([^=]+)=(.*)$/s.exec(value) : null;
      if (!match)
        return text(400, `Error: ${key} must be "key=value" (got ${JSON.stringify(value)}).`);
      extra[match[1]] = match[2];
    }
    const id = randomBytes(12).toString('hex');
    const job: DeadlineSimJob = {
      _id: id,
      Props: {
        Name: jobInfo.Name ?? 'Untitled',
        Batch: jobInfo.BatchName ?? '',
        User: jobInfo.UserName ?? 'webservice',
        Pool: jobInfo.Pool ?? 'none',
        Grp: jobInfo.Group ?? 'none',
        Frames: frames,
        Chunk: chunk,
        Pri: priority,
        Plug: plugin,
        Cmmt: jobInfo.Comment ?? '',
        OutDir: [jobInfo.OutputDirectory0].filter(Boolean),
        OutFile: [jobInfo.OutputFilename0].filter(Boolean),
        ExDic: extra,
      },
      PluginInfo: body.PluginInfo as Record<string, unknown>,
      AuxFiles: body.AuxFiles,
      Stat: 1,
      QueuedChunks: chunkCount(frameCount(frames), chunk),
      RenderingChunks: 0,
      CompletedChunks: 0,
      FailedChunks: 0,
      SuspendedChunks: 0,
      PendingChunks: 0,
      Errs: 0,
    };
    jobs.set(id, job);
    return { status: 200, body: structuredClone(job) };
  };

  const command = (request: SimRequest): SimAnswer => {
    const body = request.body as { Command?: unknown; JobID?: unknown } | undefined;
    if (!body || typeof body !== 'object') return text(400, 'Error: No message body was sent.');
    if (typeof body.Command !== 'string') return text(400, 'Error: Command key not present.');
    const job = typeof body.JobID === 'string' ? jobs.get(body.JobID) : undefined;
    if (!job) return text(400, `Error: Job ${JSON.stringify(body.JobID)} does not exist.`);
    const rest = tasksOf(job) - job.CompletedChunks;
    switch (body.Command.toLowerCase()) {
      case 'suspend':
        if (job.Stat === 3) return text(400, 'Error: A completed job cannot be suspended.');
        Object.assign(job, {
          Stat: 2,
          QueuedChunks: 0,
          RenderingChunks: 0,
          FailedChunks: 0,
          PendingChunks: 0,
          SuspendedChunks: rest,
        });
        return text(200, 'Success');
      case 'resume':
        if (job.Stat !== 2) return text(400, 'Error: Only a suspended job can be resumed.');
        Object.assign(job, { Stat: 1, SuspendedChunks: 0, QueuedChunks: rest });
        return text(200, 'Success');
      case 'fail':
        Object.assign(job, {
          Stat: 4,
          QueuedChunks: 0,
          RenderingChunks: 0,
          SuspendedChunks: 0,
          FailedChunks: rest,
        });
        return text(200, 'Success');
      case 'complete':
        advance(job._id, 'completed');
        return text(200, 'Success');
      case 'requeue':
        advance(job._id, 'queued', 0);
        return text(200, 'Success');
      default:
        return text(500, `Error: Unknown command "${body.Command}".`);
    }
  };

  const authorized = (request: SimRequest): boolean => {
    if (!options.auth) return true;
    const expected = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
    return request.headers.authorization === expected;
  };

  const handle = (request: SimRequest): SimAnswer => {
    if (!authorized(request)) {
      return {
        ...text(401, 'Error: Unauthorized'),
        headers: { 'WWW-Authenticate': 'Basic realm="Deadline"' },
      };
    }
    const { method, path, query } = request;
    if (path === '/api/pools' && method === 'GET') return { status: 200, body: [...pools] };
    if (path === '/api/groups' && method === 'GET') return { status: 200, body: [...groups] };
    if (path !== '/api/jobs') return text(404, 'Error: Not Found');
    if (method === 'POST') return submit(request);
    if (method === 'PUT') return command(request);
    if (method === 'GET') {
      const wanted = query.get('JobID');
      const list = wanted
        ? wanted
            .split(',')
            .map((id) => jobs.get(id.trim()))
            .filter((job): job is DeadlineSimJob => !!job)
        : [...jobs.values()];
      if (query.get('IdOnly') === 'true')
        return { status: 200, body: list.map((job) => ({ _id: job._id })) };
      return { status: 200, body: structuredClone(list) };
    }
    if (method === 'DELETE') {
      const wanted = query.get('JobID');
      if (!wanted) return text(400, 'Error: No Job ID was provided.');
      for (const id of wanted.split(',')) jobs.delete(id.trim());
      return text(200, 'Success');
    }
    return text(501, 'Error: Not Implemented');
  };

  const autoRun = options.autoRun;
  const server = await startFarmSimServer(
    {
      host: options.host,
      port: options.port,
      busyAnswer: (seconds) => ({
        status: 503,
        headers: { 'Retry-After': String(seconds) },
        body: 'Error: The Web Service is busy.',
      }),
      tick: autoRun && {
        everyMs: autoRun.everyMs,
        run: () => {
          for (const job of jobs.values()) {
            if (job.Stat !== 1) continue;
            const tasks = tasksOf(job);
            const next = (100 * job.CompletedChunks) / tasks + autoRun.progressPerTick;
            advance(job._id, next >= 100 ? 'completed' : 'active', next);
          }
        },
      },
    },
    handle,
  );

  return {
    url: server.url,
    jobs,
    pools,
    groups,
    log: server.log,
    submissions: () =>
      server.log.filter((entry) => entry.method === 'POST' && entry.path === '/api/jobs'),
    advance,
    setUnavailable: server.setUnavailable,
    setFaults: server.setFaults,
    close: server.close,
  };
}

/** Deadline reads job info as text: numbers may come as numbers or numeric strings. */
function integerOf(value: unknown, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return null;
}

function frameCount(frames: string): number {
  let count = 0;
  for (const part of frames.split(',')) {
    const match = /^\s*(-?\d+)(?:\s*-\s*(-?\d+)(?:x(\d+))?)?\s*$/.exec(part);
    if (!match) continue;
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    const step = match[3] ? Number(match[3]) : 1;
    count += Math.floor(Math.abs(end - start) / step) + 1;
  }
  return Math.max(1, count);
}
