import { hostname } from 'node:os';
import { renderCommandArgs } from './command-template';
import { FarmError } from './farm.errors';
import { FarmHttp, type FarmHttpAnswer } from './farm-http';
import {
  checkFarmJobSpec,
  directoryOf,
  hashedOutputPath,
  kitsuMetadata,
  placementOf,
} from './farm-spec';
import type { FarmAdapterEntry } from './farm.registry';
import { shellJoin } from './shell-words';
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

export interface AfanasyAdapterOptions {
  /** afserver's HTTP address, e.g. http://afserver:51000. */
  url: string;
  service: string;
  /** When set, overrides the spec's frames per task. */
  framesPerTask?: number;
  /** Used when the spec brings no command; `{field}`s are filled from the spec. */
  command: string;
  timeoutMs: number;
  /** Sent as the job's and actions' host_name (default: this machine's name). */
  hostName?: string;
}

/** A block as afserver reports it in `"mode":"full"`; progress fields appear only when not zero. */
export interface AfanasyBlock {
  name?: string;
  tasks_num?: number;
  p_percentage?: number;
  p_tasks_done?: number;
  p_tasks_error?: number;
  state?: string;
}

export interface AfanasyJob {
  id: number;
  name?: string;
  st?: number;
  /** Space-separated state tokens, e.g. " RDY RUN". */
  state?: string;
  tasks_error?: number;
  report?: string;
  blocks?: AfanasyBlock[];
}

const KIND = 'afanasy';
/** The block flag that makes frame_first..frame_last into tasks (afanasy blockdata.h FNumeric). */
const NUMERIC_BLOCK = 1;

/**
 * CGRU Afanasy over HTTP, as its web GUI talks to afserver: `POST /` with an `AFANASY` header
 * giving the body's length in bytes. One numeric block per job: afserver splits the frame range
 * into tasks and puts each task's first and last frame in place of the command's `@#@`s.
 */
export class AfanasyAdapter implements FarmAdapter {
  readonly kind = KIND;
  readonly label = 'Afanasy (CGRU)';
  /** A job may be kept to one render host (the job's `hosts_mask`, anchored to its name). */
  readonly placementKinds: readonly FarmPlacementKind[] = [{ key: 'host', label: 'Render host' }];
  private readonly http: FarmHttp;
  private readonly hostName: string;

  constructor(private readonly options: AfanasyAdapterOptions) {
    this.http = new FarmHttp({ farm: KIND, baseUrl: options.url, timeoutMs: options.timeoutMs });
    this.hostName = options.hostName ?? hostname();
  }

  async submit(spec: FarmJobSpec): Promise<FarmSubmission> {
    checkFarmJobSpec(KIND, spec);
    const message = { job: this.buildJob(spec) };
    const answer = await this.send('submit', message, (reply) => {
      const id = (reply.body as { id?: unknown }).id;
      if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
        throw this.http.protocolError('submit', 'afserver answered without a job id', reply);
      }
      return reply.body as { id: number; serial?: number };
    });
    return { farmJobId: String(answer.id), state: 'queued', raw: answer };
  }

  async status(farmJobId: string): Promise<FarmJobStatus> {
    const id = this.idOf('status', farmJobId);
    const job = await this.send(
      'status',
      { get: { type: 'jobs', ids: [id], mode: 'full' } },
      (reply) => {
        const jobs = (reply.body as { jobs?: unknown }).jobs;
        const found = Array.isArray(jobs)
          ? (jobs as AfanasyJob[]).find((job) => job?.id === id)
          : undefined;
        if (!found) {
          throw new FarmError(KIND, 'status', 'not-found', `afserver has no job ${id}`, {
            body: reply.body,
          });
        }
        return found;
      },
    );
    return statusOfAfanasyJob(job);
  }

  /** Afanasy has no "canceled" state: the job is deleted (its tasks stop on the renders). */
  async cancel(farmJobId: string): Promise<void> {
    const id = this.idOf('cancel', farmJobId);
    await this.send(
      'cancel',
      {
        action: {
          type: 'jobs',
          ids: [id],
          operation: { type: 'delete' },
          user_name: 'kitsu-actions',
          host_name: this.hostName,
        },
      },
      () => undefined,
    );
  }

  async ping(): Promise<void> {
    await this.send('ping', { get: { type: 'jobs', ids: [0], mode: 'full' } }, () => undefined);
  }

  stats(): FarmStats {
    return this.http.stats();
  }

  /** The render hosts afserver knows (`{"get":{"type":"renders"}}`), by name. */
  async listPlacements(kind: string): Promise<FarmPlacementChoice[]> {
    if (kind !== 'host') return [];
    return this.send('renders', { get: { type: 'renders' } }, (reply) => {
      const renders = (reply.body as { renders?: unknown }).renders;
      if (!Array.isArray(renders)) {
        throw this.http.protocolError('renders', 'answer without a renders list', reply);
      }
      return (renders as Array<{ name?: unknown }>)
        .filter((render) => typeof render?.name === 'string' && render.name !== '')
        .map((render) => ({ value: render.name as string, label: render.name as string }));
    });
  }

  buildJob(spec: FarmJobSpec): Record<string, unknown> {
    const output = hashedOutputPath(spec.outputPath);
    const framesPerTask = this.options.framesPerTask ?? spec.framesPerTask;
    const commandArgs =
      spec.commandArgs ??
      renderCommandArgs(this.options.command, {
        scene: spec.scenePath,
        output,
        output_dir: directoryOf(output),
        name: spec.name,
        fps: spec.fps,
        frame_in: spec.frameIn,
        frame_out: spec.frameOut,
        frames_per_task: framesPerTask,
        width: spec.resolution?.width,
        height: spec.resolution?.height,
      });
    if (!commandArgs.some((argument) => argument.includes('@#@'))) {
      throw new FarmError(
        KIND,
        'submit',
        'rejected',
        'the command has no @#@: every task would render the same frames',
      );
    }
    // Afanasy takes one command string, which render nodes run through a shell: every argument
    // is quoted, so a name is one argument whatever it holds. `@#@` survives quoting as text.
    const command = shellJoin(commandArgs);
    const block: Record<string, unknown> = {
      ...spec.extra,
      name: 'render',
      service: this.options.service,
      flags: NUMERIC_BLOCK,
      frame_first: spec.frameIn,
      frame_last: spec.frameOut,
      frames_per_task: framesPerTask,
      frames_inc: 1,
      command,
      working_directory: directoryOf(spec.scenePath),
      files: [output.replace(/#+/, (hashes) => `@${hashes}@`)],
    };
    const host = placementOf(spec, 'host');
    return {
      name: spec.name,
      user_name: spec.submitter.login,
      // A regular expression on render names: the listed name, matched whole and literally.
      ...(host ? { hosts_mask: `^${escapeRegExp(host)}$` } : {}),
      host_name: this.hostName,
      priority: spec.priority,
      ...(spec.project ? { project: spec.project } : {}),
      annotation: `Kitsu: ${spec.submitter.name}`,
      // Afanasy keeps one string of custom data per job: the metadata as JSON.
      custom_data: JSON.stringify({
        ...spec.metadata,
        'user.name': spec.submitter.name,
        ...kitsuMetadata(spec),
      }),
      folders: { output: directoryOf(output) },
      blocks: [block],
    };
  }

  private idOf(operation: string, farmJobId: string): number {
    if (!/^\d+$/.test(farmJobId) || Number(farmJobId) <= 0) {
      throw new FarmError(KIND, operation, 'not-found', `"${farmJobId}" is not an Afanasy job id`);
    }
    return Number(farmJobId);
  }

  /**
   * One exchange with afserver. It answers 200 even when it refuses: a job it cannot register
   * comes back as `{"id":0,"error":...}` and a failed action as `{"info":{"kind":"error",...}}`.
   */
  private send<T>(
    operation: string,
    message: unknown,
    read: (answer: FarmHttpAnswer) => T,
  ): Promise<T> {
    const body = JSON.stringify(message);
    return this.http.call(
      {
        operation,
        method: 'POST',
        path: '/',
        body,
        // The length in bytes, not characters: names with accents would cut the JSON short.
        headers: { AFANASY: String(Buffer.byteLength(body, 'utf8')) },
      },
      (answer) => {
        if (answer.status !== 200) throw this.http.errorFor(operation, answer);
        const reply = answer.body as Record<string, unknown> | string;
        if (!reply || typeof reply !== 'object') {
          throw this.http.protocolError(operation, 'afserver did not answer JSON', answer);
        }
        if (typeof reply.error === 'string' && reply.error) {
          throw new FarmError(KIND, operation, 'rejected', reply.error, { body: reply });
        }
        const info = reply.info as { kind?: unknown; text?: unknown } | undefined;
        if (info?.kind === 'error') {
          const text = typeof info.text === 'string' ? info.text : 'afserver reported an error';
          throw new FarmError(
            KIND,
            operation,
            /not found/i.test(text) ? 'not-found' : 'rejected',
            text,
            {
              body: reply,
            },
          );
        }
        return read(answer);
      },
    );
  }
}

/** Afanasy jobs do not fail as a whole: a job whose tasks all ended, some in error, is failed here. */
export function statusOfAfanasyJob(job: AfanasyJob): FarmJobStatus {
  const tokens = new Set((job.state ?? '').split(/\s+/).filter(Boolean));
  const blocks = job.blocks ?? [];
  const errors =
    job.tasks_error ?? blocks.reduce((sum, block) => sum + (block.p_tasks_error ?? 0), 0);
  let state: FarmJobState = 'queued';
  if (tokens.has('DON')) state = 'completed';
  else if (tokens.has('OFF')) state = 'paused';
  else if (tokens.has('RUN')) state = 'active';
  else if (tokens.has('ERR') && !tokens.has('RDY')) state = 'failed';
  const weights = blocks.map((block) => Math.max(1, block.tasks_num ?? 1));
  const weightTotal = weights.reduce((sum, weight) => sum + weight, 0);
  let progress =
    weightTotal > 0
      ? blocks.reduce((sum, block, index) => sum + (block.p_percentage ?? 0) * weights[index], 0) /
        weightTotal
      : 0;
  if (state === 'completed') progress = 100;
  const messages: string[] = [];
  if (errors > 0) messages.push(`${errors} task${errors > 1 ? 's' : ''} in error`);
  if (job.report) messages.push(job.report);
  return {
    state,
    progress: Math.max(0, Math.min(100, Math.round(progress))),
    message: messages.length ? messages.join('; ') : undefined,
    farmStatus: [...tokens].join(' ') || 'RDY',
  };
}

export const afanasyFarm: FarmAdapterEntry = {
  label: 'Afanasy (CGRU)',
  urlVariable: 'AFANASY_URL',
  create: (config) =>
    new AfanasyAdapter({
      url: config.AFANASY_URL ?? '',
      service: config.AFANASY_SERVICE,
      framesPerTask: config.AFANASY_FRAMES_PER_TASK,
      command: config.AFANASY_COMMAND,
      timeoutMs: config.FARM_TIMEOUT_MS,
    }),
};

/** A name as a regular expression that matches exactly it. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
