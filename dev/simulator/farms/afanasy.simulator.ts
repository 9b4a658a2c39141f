import type { AfanasyBlock, AfanasyJob } from '../../../src/farms/afanasy.adapter';
import { splitShellWords, type ShellWords } from '../../../src/farms/shell-words';
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

export interface AfanasySimulatorOptions {
  host?: string;
  port?: number;
  autoRun?: { everyMs: number; progressPerTick: number };
  /** Render host names afserver knows (default: render01, render02). */
  renders?: string[];
}

/** A stored job: what was submitted, plus afserver's own fields. */
export interface AfanasySimJob extends AfanasyJob {
  serial: number;
  name: string;
  user_name: string;
  host_name?: string;
  priority?: number;
  project?: string;
  annotation?: string;
  custom_data?: string;
  st: number;
  state: string;
  time_creation: number;
  blocks: Array<AfanasyBlock & Record<string, unknown>>;
  [key: string]: unknown;
}

export interface AfanasySimulator {
  /** Render host names, as `{"get":{"type":"renders"}}` lists them. */
  renders: string[];
  /** afserver's address, e.g. http://127.0.0.1:PORT. */
  url: string;
  jobs: Map<number, AfanasySimJob>;
  log: FarmRequestLogEntry[];
  /** Job registrations (`{"job": ...}` messages) in the log, with their verdicts. */
  submissions(): FarmRequestLogEntry[];
  /** `canceled` deletes the job: Afanasy has no canceled state. */
  advance(jobId: number | string, state: SimJobState, progress?: number, message?: string): void;
  setUnavailable(unavailable: boolean): void;
  setFaults(faults: FarmSimFaults): void;
  close(): Promise<void>;
}

/** State bits (afanasy/src/include/afjob.h) and the tokens afserver writes for them. */
const STATE_BITS: Array<[number, string]> = [
  [1 << 0, 'RDY'],
  [1 << 1, 'RUN'],
  [1 << 4, 'DON'],
  [1 << 5, 'ERR'],
  [1 << 9, 'OFF'],
];
const NUMERIC = 1;

function stateString(st: number): string {
  return STATE_BITS.filter(([bit]) => st & bit)
    .map(([, token]) => ` ${token}`)
    .join('');
}

const info = (kind: 'log' | 'error', text: string): SimAnswer => ({
  status: 200,
  body: { info: { kind, text } },
  verdict: kind === 'error' ? 'rejected' : 'accepted',
  reason: kind === 'error' ? text : undefined,
});

/**
 * afserver's JSON-over-HTTP door as its web GUI uses it: `POST /` with an `AFANASY: <bytes>`
 * header. Jobs are checked as afserver does (user name, at least one block, every block with
 * tasks), numeric blocks also for frame fields and an `@#@` command; refusals come back as
 * `{"id":0,"error":...}` or `{"info":{"kind":"error"}}` with status 200, as afserver sends them.
 */
export async function startAfanasySimulator(
  options: AfanasySimulatorOptions = {},
): Promise<AfanasySimulator> {
  const jobs = new Map<number, AfanasySimJob>();
  const renders = [...(options.renders ?? ['render01', 'render02'])];
  let nextId = 1;
  let nextSerial = 1;

  const setState = (job: AfanasySimJob, st: number) => {
    job.st = st;
    job.state = stateString(st);
    for (const block of job.blocks) {
      block.st = st;
      block.state = job.state;
    }
  };

  const advance = (
    jobId: number | string,
    state: SimJobState,
    progress?: number,
    message?: string,
  ) => {
    const id = Number(jobId);
    const job = jobs.get(id);
    if (!job) throw new Error(`Afanasy simulator has no job ${id}`);
    if (state === 'canceled') {
      jobs.delete(id);
      return;
    }
    const bits = { queued: 1, active: 1 | 2, paused: 1 | 512, completed: 16, failed: 32 }[state];
    setState(job, bits);
    for (const block of job.blocks) {
      const tasks = block.tasks_num ?? 1;
      const percent =
        state === 'completed'
          ? 100
          : progress !== undefined
            ? clampPercent(progress)
            : (block.p_percentage ?? 0);
      if (percent > 0) block.p_percentage = percent;
      else delete block.p_percentage;
      block.p_tasks_done = Math.floor((percent / 100) * tasks);
      if (state === 'failed') block.p_tasks_error = Math.max(1, tasks - block.p_tasks_done);
    }
    if (state === 'failed') {
      job.tasks_error = job.blocks.reduce((sum, block) => sum + (block.p_tasks_error ?? 0), 0);
    }
    if (message !== undefined) job.report = message;
    if (state === 'active') job.time_started ??= Math.floor(Date.now() / 1000);
    if (state === 'completed' || state === 'failed') job.time_done = Math.floor(Date.now() / 1000);
  };

  const register = (job: unknown): SimAnswer => {
    const refuse = (error: string): SimAnswer => ({
      status: 200,
      body: { id: 0, serial: 0, error },
      verdict: 'rejected',
      reason: error,
    });
    if (!job || typeof job !== 'object' || Array.isArray(job)) return refuse('Invalid job.');
    const data = job as Record<string, unknown>;
    if (typeof data.name !== 'string' || !data.name)
      return refuse('Invalid job: Job name is empty');
    if (typeof data.user_name !== 'string' || !data.user_name) {
      return refuse('Invalid job: User name is empty');
    }
    if (
      data.priority !== undefined &&
      (!Number.isInteger(data.priority) ||
        (data.priority as number) < 0 ||
        (data.priority as number) > 250)
    ) {
      return refuse('Invalid job: priority must be an integer from 0 to 250');
    }
    if (data.custom_data !== undefined && typeof data.custom_data !== 'string') {
      return refuse('Invalid job: custom_data must be a string');
    }
    const control = controlCharacterAt(data);
    if (control) {
      return refuse(`Invalid job: simulator safety check: ${control} has a control character`);
    }
    if (data.hosts_mask !== undefined) {
      const problem = hostsMaskProblem(data.hosts_mask, renders);
      if (problem) return refuse(`Invalid job: ${problem}`);
    }
    if (!Array.isArray(data.blocks)) return refuse("Invalid job: Can't find blocks array.");
    if (data.blocks.length === 0) return refuse('Invalid job: Blocks array has zero size.');
    const blocks: AfanasySimJob['blocks'] = [];
    for (const [index, raw] of (data.blocks as unknown[]).entries()) {
      const problem = blockProblem(raw, index);
      if (problem) return refuse(`Invalid job: ${problem}`);
      const block = { ...(raw as Record<string, unknown>) } as AfanasySimJob['blocks'][number];
      block.tasks_num = tasksOf(raw as Record<string, unknown>);
      // What a render node's shell would run, recorded for tests (not an afserver field).
      if (typeof block.command === 'string') block.argv = splitShellWords(block.command).words;
      blocks.push(block);
    }
    const stored: AfanasySimJob = {
      ...data,
      id: nextId++,
      serial: nextSerial++,
      name: data.name,
      user_name: data.user_name,
      st: 0,
      state: '',
      time_creation: Math.floor(Date.now() / 1000),
      blocks,
    };
    setState(stored, data.offline === true ? 1 | 512 : 1);
    jobs.set(stored.id, stored);
    return { status: 200, body: { id: stored.id, serial: stored.serial } };
  };

  const get = (query: unknown): SimAnswer => {
    const data = (query ?? {}) as { type?: unknown; ids?: unknown; mode?: unknown };
    if (data.type === 'renders') {
      return {
        status: 200,
        body: { renders: renders.map((name, index) => ({ id: index + 1, name, capacity: 1100 })) },
      };
    }
    if (data.type !== 'jobs') return info('error', `Get has unknown type: '${String(data.type)}'`);
    const ids = Array.isArray(data.ids) ? (data.ids as unknown[]).map(Number) : [...jobs.keys()];
    const found = ids.map((id) => jobs.get(id)).filter((job): job is AfanasySimJob => !!job);
    if (data.mode === 'progress') {
      return {
        status: 200,
        body: {
          job_progress: found.map((job) => ({
            id: job.id,
            progress: job.blocks.map((block) => ({ p: block.p_percentage ?? 0 })),
          })),
        },
      };
    }
    return { status: 200, body: { jobs: structuredClone(found) } };
  };

  const action = (request: unknown): SimAnswer => {
    const data = (request ?? {}) as Record<string, unknown>;
    if (typeof data.type !== 'string' || !data.type) return info('error', 'Invalid action.');
    const ids = Array.isArray(data.ids) ? (data.ids as unknown[]).map(Number) : [];
    if (ids.length === 0 && !data.mask) {
      return info('error', 'JSON action should have nodes ids or mask to operate with.');
    }
    if (typeof data.user_name !== 'string' || !data.user_name) {
      return info('error', 'Action should have a not empty "user_name" string.');
    }
    if (typeof data.host_name !== 'string' || !data.host_name) {
      return info('error', 'Action should have a not empty "host_name" string.');
    }
    if (data.type !== 'jobs') return info('error', `Action has unknown type: '${data.type}'`);
    const operation = (data.operation as { type?: unknown } | undefined)?.type;
    let found = false;
    let answer: SimAnswer | null = null;
    for (const id of ids) {
      const job = jobs.get(id);
      if (!job) {
        answer = info('error', `Action node ID not found: ${id}.`);
        continue;
      }
      found = true;
      if (operation === 'delete') jobs.delete(id);
      else if (operation === 'pause') setState(job, job.st | 512);
      else if (operation === 'start') setState(job, job.st & ~512);
      else return info('error', `Unknown operation: '${String(operation)}'`);
    }
    if (found) return info('log', 'Action processed.');
    return answer ?? info('error', 'Action node(s) not found.');
  };

  const handle = (request: SimRequest): SimAnswer => {
    if (request.method === 'GET') return { status: 200, body: 'Afanasy simulator' };
    if (request.method !== 'POST') return { status: 405, body: { error: 'Method not allowed' } };
    const header = request.headers.afanasy;
    if (header === undefined) {
      return rejected('HTTP POST request was not recognized: no AFANASY header');
    }
    const declared = Array.isArray(header) ? header[0] : header;
    if (!/^\s*\d+\s*$/.test(declared))
      return rejected('HTTP POST request has a bad AFANASY header.');
    const actual = Buffer.byteLength(request.rawBody, 'utf8');
    if (Number(declared) !== actual) {
      return rejected(`AFANASY header says ${Number(declared)} bytes but the body has ${actual}`);
    }
    if (request.jsonError || !request.body || typeof request.body !== 'object') {
      return info('error', `JSON parse error: ${request.jsonError ?? 'not an object'}`);
    }
    const message = request.body as Record<string, unknown>;
    if ('job' in message) return register(message.job);
    if ('get' in message) return get(message.get);
    if ('action' in message) return action(message.action);
    return info('error', 'TInvalid message received.');
  };

  const autoRun = options.autoRun;
  const server = await startFarmSimServer(
    {
      host: options.host,
      port: options.port,
      busyAnswer: (seconds) => ({
        status: 503,
        headers: { 'Retry-After': String(seconds) },
        body: { error: 'afserver is busy' },
      }),
      tick: autoRun && {
        everyMs: autoRun.everyMs,
        run: () => {
          for (const job of jobs.values()) {
            const tokens = job.state;
            if (tokens.includes('OFF') || tokens.includes('DON') || tokens.includes('ERR'))
              continue;
            const current = job.blocks[0]?.p_percentage ?? 0;
            const next = tokens.includes('RUN') ? current + autoRun.progressPerTick : 0;
            advance(job.id, next >= 100 ? 'completed' : 'active', next);
          }
        },
      },
    },
    handle,
  );

  return {
    url: server.url,
    renders,
    jobs,
    log: server.log,
    submissions: () =>
      server.log.filter(
        (entry) =>
          entry.method === 'POST' &&
          typeof entry.body === 'object' &&
          entry.body !== null &&
          'job' in entry.body,
      ),
    advance,
    setUnavailable: server.setUnavailable,
    setFaults: server.setFaults,
    close: server.close,
  };
}

function rejected(error: string): SimAnswer {
  return { status: 400, body: { error }, reason: error };
}

function blockProblem(raw: unknown, index: number): string | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    return `Block [${index}] is not an object.`;
  const block = raw as Record<string, unknown>;
  const name = typeof block.name === 'string' ? block.name : '';
  const where = `Block '${name}'[${index}]`;
  if (typeof block.service !== 'string' || !block.service) return `${where}: service is empty.`;
  const flags = typeof block.flags === 'number' ? block.flags : 0;
  if (!(flags & NUMERIC)) {
    if (!Array.isArray(block.tasks) || block.tasks.length === 0)
      return `${where}: Zero tasks number.`;
    return null;
  }
  for (const key of ['frame_first', 'frame_last', 'frames_per_task', 'frames_inc']) {
    if (block[key] !== undefined && !Number.isInteger(block[key])) {
      return `${where}: ${key} must be an integer.`;
    }
  }
  if (!Number.isInteger(block.frame_first) || !Number.isInteger(block.frame_last)) {
    return `${where}: numeric block without frame_first and frame_last.`;
  }
  if ((block.frame_last as number) < (block.frame_first as number)) {
    return `${where}: frame_last < frame_first (${String(block.frame_last)} < ${String(block.frame_first)}).`;
  }
  if (block.frames_per_task !== undefined && (block.frames_per_task as number) < 1) {
    return `${where}: frames per task < 1.`;
  }
  if (typeof block.command !== 'string' || !block.command.includes('@#@')) {
    return `${where}: numeric block command has no @#@ frame placeholder.`;
  }
  if (block.working_directory !== undefined && typeof block.working_directory !== 'string') {
    return `${where}: working_directory must be a string.`;
  }
  // Render nodes run the command through a shell: it must split into words, and (a simulator
  // safety check, stricter than afserver) hold no unquoted shell syntax that would run more.
  let words: ShellWords;
  try {
    words = splitShellWords(block.command);
  } catch (error) {
    return `${where}: command is not valid shell (${(error as Error).message}).`;
  }
  if (words.specials.length > 0) {
    return `${where}: simulator safety check: the command has unquoted shell syntax ${[...new Set(words.specials)].join(' ')}.`;
  }
  for (const key of ['working_directory'] as const) {
    const hazard = pathHazard(block[key]);
    if (hazard) return `${where}: simulator safety check: ${key} ${hazard}.`;
  }
  return null;
}

function tasksOf(block: Record<string, unknown>): number {
  if (Array.isArray(block.tasks)) return block.tasks.length;
  const first = block.frame_first as number;
  const last = block.frame_last as number;
  const increment = (block.frames_inc as number | undefined) ?? 1;
  const perTask = (block.frames_per_task as number | undefined) ?? 1;
  return chunkCount(Math.floor((last - first) / Math.max(1, increment)) + 1, perTask);
}

/**
 * afserver takes any regular expression as a hosts mask; the simulator also wants it to match one
 * of its render hosts (a job no host may take would wait forever).
 */
function hostsMaskProblem(mask: unknown, renders: string[]): string | null {
  if (typeof mask !== 'string') return 'hosts_mask must be a string';
  let pattern: RegExp;
  try {
    pattern = new RegExp(mask);
  } catch {
    return `hosts_mask "${mask}" is not a regular expression`;
  }
  return renders.some((name) => pattern.test(name))
    ? null
    : `simulator check: hosts_mask "${mask}" matches no render host (${renders.join(', ')})`;
}
