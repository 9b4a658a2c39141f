import { Injectable } from '@nestjs/common';
import { Job, type JobState } from 'bullmq';
import type {
  ActionHandler,
  ActionOptionsDeclaration,
  ActionJobBase,
  FailureExplanation,
  JobListNotice,
  JobProgress,
  LiveStatus,
  OptionValue,
  OptionValues,
  ResultDownload,
} from '../actions/action.types';
import {
  choiceLabelOf,
  emptyValueText,
  optionFieldsOf,
  type OptionField,
} from '../actions/option-fields';
import { variantOptions } from '../actions/variant-options';
import { ActionRegistry } from '../actions/action-registry.service';
import { JobQueues } from '../queues/job-queues.service';
import { QUEUE_NAMES, type QueueName } from '../queues/queues';
import { formatJobId, parseJobId } from '../queues/job-id';
import { explainedFailure } from './job-failure';
import { menuLabelOf } from '../actions/menu-entries';
import { selectionFromResult, type SelectionItem } from '../actions/selection-summary';

export type PublicJobState = JobState | 'unknown';

/** What the job API and the job page show of a job. */
export interface JobView {
  id: string;
  action: string;
  /** The Kitsu menu entry the job came from, by its label ("Render on the farm"). */
  title: string;
  state: PublicJobState;
  progress: JobProgress;
  result: unknown;
  failedReason: string | null;
  /**
   * The failure told by its action (a forwarder's answer), when it can tell it better than the
   * reason alone; null otherwise and for jobs that have not failed.
   */
  failure: FailureExplanation | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  requestId: string;
  request: ActionJobBase['request'];
  params: Record<string, string>;
  logs: string[];
  /** Names of the selected tasks when the action reported them (see selection-summary.ts). */
  selection: SelectionItem[] | null;
  /**
   * Entity types of the selected tasks as Zou says, learnt at intake; null when unknown. Never
   * Kitsu's `entitytype`, which is a guess from the page ("episode" on My tasks).
   */
  entityTypes: string[] | null;
  /**
   * For a job whose work goes on after it ended (render tracking): where that work stands. While
   * it runs, `state` says active; once it has ended, this is the outcome the badge shows.
   */
  live: Pick<LiveStatus, 'phase' | 'label' | 'tone'> | null;
  /** The job this one follows up (a tracking poll's render job), or null. */
  followsUp: string | null;
  /** The options the job runs with, labelled as its action's form labels them; null: none. */
  options: JobOption[] | null;
}

/** One option of a job, as the job page shows it. */
export interface JobOption {
  name: string;
  label: string;
  value: OptionValue;
  /** The value as the form named it: a choice's label (a farm tag's name for its id). */
  valueLabel?: string;
}

/** A line of the /jobs list. */
export interface JobSummary {
  id: string;
  action: string;
  state: PublicJobState;
  personId: string;
  personEmail: string;
  taskCount: number;
  createdAt: string;
  finishedAt: string | null;
  /** As on JobView: where work going on after the job ended stands (renders on the farm). */
  live: JobView['live'];
}

export const MAX_LIST = 200;
const LISTED_STATES: JobState[] = [
  'active',
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'completed',
  'failed',
];

export const FINAL_STATES: readonly PublicJobState[] = ['completed', 'failed'];

@Injectable()
export class JobsService {
  constructor(
    private readonly queues: JobQueues,
    private readonly registry: ActionRegistry,
  ) {}

  /** The handler of a job's action, whose view hooks show it (the name without its variant). */
  handlerOf(view: Pick<JobView, 'action'>): ActionHandler | undefined {
    return this.registry.get(view.action.split('/')[0])?.handler;
  }

  /** What the actions want said on the job list (jobListNotice); one that fails says nothing. */
  async listNotices(): Promise<JobListNotice[]> {
    const asked = this.registry
      .all()
      .map(({ handler }) => handler)
      .filter((handler) => handler.jobListNotice);
    const notices = await Promise.all(
      asked.map((handler) => handler.jobListNotice!().catch(() => null)),
    );
    return notices.filter((notice) => notice !== null);
  }

  /** The download of a job's result in a format its action offers (downloads), if any. */
  downloadOf(view: Pick<JobView, 'action'>, format: string): ResultDownload | undefined {
    return this.handlerOf(view)
      ?.downloads?.()
      .find((download) => download.format === format);
  }

  async find(publicId: string): Promise<Job<ActionJobBase> | null> {
    const parsed = parseJobId(publicId);
    if (!parsed) return null;
    const job = await Job.fromId<ActionJobBase>(this.queues.get(parsed.queue), parsed.bullId);
    // Only a job this service stored: anything else under that key is "no such job", not a 500.
    return job && typeof job.data?.action === 'string' && job.data.request ? job : null;
  }

  async view(publicId: string): Promise<JobView | null> {
    const job = await this.find(publicId);
    return job ? this.toView(job) : null;
  }

  async toView(read: Job<ActionJobBase>): Promise<JobView> {
    const queue = this.queues.get(read.queueName as QueueName);
    const [state, logs] = await Promise.all([read.getState(), queue.getJobLogs(read.id!, 0, 49)]);
    // The job may have ended between reading it and its state: read it again so a final state
    // never comes without its result or failure reason.
    const job =
      FINAL_STATES.includes(state) && !read.finishedOn
        ? ((await Job.fromId<ActionJobBase>(queue, read.id!)) ?? read)
        : read;
    const data = job.data;
    const id = formatJobId(job.queueName, job.id!);
    const registered = this.registry.get(data.action);
    const handler = registered?.handler;
    const result = await this.liveResult(id, handler, state, job.returnvalue ?? null);
    const live = state === 'completed' ? liveStatusOf(handler, result) : null;
    const finishedAt = job.finishedOn ? new Date(job.finishedOn).toISOString() : null;
    return {
      id,
      action: data.variant ? `${data.action}/${data.variant}` : data.action,
      title: registered
        ? menuLabelOf(registered, data.variant ?? '', data.params ?? {})
        : data.action,
      // A job whose follow-up work still runs (renders on the farm) is not done yet.
      state: live?.phase === 'running' ? 'active' : state,
      progress: live
        ? { percent: live.percent, message: live.message }
        : normalizeProgress(job.progress, state),
      result,
      failedReason: job.failedReason ?? null,
      failure: failureOf(handler, state, data, job.failedReason),
      attempts: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      createdAt: new Date(job.timestamp).toISOString(),
      startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
      finishedAt: live
        ? live.phase === 'running'
          ? null
          : (live.endedAt ?? finishedAt)
        : finishedAt,
      requestId: data.requestId,
      request: data.request,
      params: data.params,
      logs: logs.logs,
      selection: selectionFromResult(job.returnvalue),
      entityTypes: data.authz?.entityTypes ?? null,
      live: live ? { phase: live.phase, label: live.label, tone: live.tone } : null,
      followsUp: followsUpOf(handler, data),
      options: optionsOf(variantOptions(handler, data.variant), data.options, data.optionLabels),
    };
  }

  /** A finished job whose work goes on (render tracking) shows its result as it stands now. */
  private async liveResult(
    id: string,
    handler: ActionHandler | undefined,
    state: PublicJobState,
    stored: unknown,
  ): Promise<unknown> {
    if (state !== 'completed' || stored === null || !handler?.liveResult) return stored;
    try {
      return await handler.liveResult(id, stored as never);
    } catch {
      // The stored result is still true, only older: better than no page.
      return stored;
    }
  }

  /**
   * Recent jobs of every queue, newest first. Each queue is read up to `limit` newest jobs per
   * state, so the cost stays bounded however many jobs Redis keeps.
   */
  async list(options: { person?: string; limit?: number } = {}): Promise<JobSummary[]> {
    const limit = Math.max(1, Math.min(MAX_LIST, options.limit ?? 50));
    const person = options.person?.trim().toLowerCase();
    // A person filter reads further back so that a quiet person still sees their jobs.
    const depth = person ? MAX_LIST * 2 : limit;
    const perQueue = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.queues.get(name);
        const jobs = await queue.getJobs(LISTED_STATES, 0, depth - 1, false);
        return jobs.filter((job): job is Job<ActionJobBase> => Boolean(job?.id));
      }),
    );
    const matching = perQueue
      .flat()
      // Follow-up work (render tracking polls, refusal notices) shows on its parent's page, not here.
      .filter((job) => !this.registry.get(job.data.action)?.options.internal)
      .filter(
        (job) =>
          !person ||
          job.data.request.personId.toLowerCase() === person ||
          job.data.request.personEmail.toLowerCase() === person,
      )
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, limit);
    return Promise.all(
      matching.map(async (job) => {
        const id = formatJobId(job.queueName, job.id!);
        const state = await job.getState();
        // Only jobs whose work goes on (renders) read their live state: one hash read each.
        const handler = this.registry.get(job.data.action)?.handler;
        const live =
          state === 'completed' && handler?.liveStatus
            ? liveStatusOf(
                handler,
                await this.liveResult(id, handler, state, job.returnvalue ?? null),
              )
            : null;
        const finishedAt = job.finishedOn ? new Date(job.finishedOn).toISOString() : null;
        return {
          id,
          action: job.data.variant ? `${job.data.action}/${job.data.variant}` : job.data.action,
          state: live?.phase === 'running' ? 'active' : state,
          personId: job.data.request.personId,
          personEmail: job.data.request.personEmail,
          taskCount: job.data.request.taskIds.length,
          createdAt: new Date(job.timestamp).toISOString(),
          finishedAt: live?.phase === 'running' ? null : finishedAt,
          live: live ? { phase: live.phase, label: live.label, tone: live.tone } : null,
        };
      }),
    );
  }

  /** Puts a failed job back in its queue for a new round of attempts; false if not failed. */
  async retry(job: Job<ActionJobBase>): Promise<boolean> {
    if ((await job.getState()) !== 'failed') return false;
    // The recorded outcome would make the worker skip the work and fail again at once: a retry
    // runs the work anew, and its own outcome is written (and commented) afresh.
    if (job.data.outcome || job.data.outcomeCommented) {
      const { outcome: _outcome, outcomeCommented: _commented, ...data } = job.data;
      await job.updateData(data);
    }
    await job.retry('failed', { resetAttemptsMade: true });
    return true;
  }
}

function liveStatusOf(handler: ActionHandler | undefined, result: unknown): LiveStatus | null {
  if (!handler?.liveStatus || result === null) return null;
  try {
    return handler.liveStatus(result as never);
  } catch {
    // A result of an unexpected shape: the job's own state is still true.
    return null;
  }
}

function failureOf(
  handler: ActionHandler | undefined,
  state: PublicJobState,
  data: ActionJobBase,
  reason: string | undefined,
): FailureExplanation | null {
  if (!reason || (state !== 'failed' && state !== 'delayed')) return null;
  return explainedFailure(handler, data, reason);
}

function followsUpOf(handler: ActionHandler | undefined, data: ActionJobBase): string | null {
  try {
    return handler?.followsUp?.(data as never) ?? null;
  } catch {
    return null;
  }
}

function normalizeProgress(progress: unknown, state: PublicJobState): JobProgress {
  let read: JobProgress = { percent: 0 };
  if (typeof progress === 'number') read = { percent: progress };
  else if (progress && typeof progress === 'object' && 'percent' in progress) {
    const { percent, message } = progress as { percent: unknown; message?: unknown };
    read = {
      percent: typeof percent === 'number' ? percent : 0,
      ...(typeof message === 'string' ? { message } : {}),
    };
  }
  if (state !== 'completed') return read;
  // Done is 100%; a message reported at 100% is the action's final word, any earlier one is stale.
  return read.percent >= 100 && read.message
    ? { percent: 100, message: read.message }
    : { percent: 100 };
}

/** Stored options with their form labels, in the form's order (unknown names keep theirs). */
function optionsOf(
  declared: ActionOptionsDeclaration | undefined,
  stored: OptionValues | undefined,
  liveLabels: Record<string, string> = {},
): JobOption[] | null {
  if (!stored || typeof stored !== 'object') return null;
  const fields = new Map(
    (declared ? optionFieldsOf(declared.schema) : []).map((field) => [field.name, field]),
  );
  const order = [...fields.keys(), ...Object.keys(stored)];
  return [...new Set(order)]
    .filter((name) => Object.hasOwn(stored, name))
    .map((name) => {
      const field = fields.get(name);
      const value = stored[name];
      // What the form showed for a choice: its label; empty text keeps the page's own wording.
      const chosen = liveLabels[name] ?? choiceLabel(field, value);
      return {
        name,
        label: field?.label ?? name,
        value,
        ...(chosen ? { valueLabel: chosen } : {}),
      };
    });
}

/** A choice's label (fixed selects, multi-selects), or what an empty value means. */
function choiceLabel(field: OptionField | undefined, value: OptionValue): string | undefined {
  if (value === '') return emptyValueText(field);
  if (!field?.choices) return undefined;
  const labelOf = (item: string) => choiceLabelOf(field, item);
  return Array.isArray(value) ? value.map(labelOf).join(', ') : labelOf(String(value));
}
