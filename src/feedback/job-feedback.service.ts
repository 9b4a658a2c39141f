import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ActionRegistry } from '../actions/action-registry.service';
import type { ActionJobBase, JobOutcome } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ENV, type Env } from '../config/config.module';
import { ConfigError } from '../config/validate-env';
import { formatJobId } from '../queues/job-id';
import { JobViewTokens } from '../jobs/job-view-token';
import { explainedFailure } from '../jobs/job-failure';
import { plainReason } from '../jobs/job-page';
import { chosenOptionsLine } from '../actions/option-fields';
import { variantOptions } from '../actions/variant-options';
import { summaryOf } from '../actions/result-view';
import { jobLogFields } from '../logging/job-log';
import type { JobOutcomeStep } from '../worker/job-outcome';
import { mapBounded } from '../zou/call-limiter';
import { ZouClient } from '../zou/zou.client';
import { ZouError } from '../zou/zou.errors';
import { FEEDBACK_SETTINGS, FeedbackConfig } from './feedback.config';

const MAX_TEXT = 600;
/** Comments posted together; the tasks done are recorded on the job after each batch. */
const BATCH = 10;

/**
 * Writes a job's outcome back into Kitsu as a comment on each selected task, credited to the
 * person who ran it, with a link to the job page. It is the job's last step (see JobOutcomeStep):
 * a worker killed before or while posting leaves the job to the next worker, which posts what is
 * missing and nothing twice. Which outcomes are written is set per action (FEEDBACK_<ACTION>,
 * FEEDBACK_READONLY); the text is the handler's `describeOutcome(result)` or the result's `summary`,
 * then the options the person chose (those differing from the click's defaults) on one line.
 * Tasks the action commented on itself are left alone (ActionHandler.tasksCommented).
 */
@Injectable()
export class JobFeedback implements JobOutcomeStep, OnApplicationBootstrap {
  private readonly logger = new Logger('Feedback');
  private readonly env: Env;

  constructor(
    private readonly zou: ZouClient,
    private readonly registry: ActionRegistry,
    private readonly app: AppConfig,
    private readonly viewTokens: JobViewTokens,
    readonly config: FeedbackConfig,
    // Read for FEEDBACK_<ACTION> names no action has (checked once the registry is full).
    @Inject(ENV) env: Env,
  ) {
    this.env = env;
  }

  /** After every module's init, so the registry knows all actions. */
  onApplicationBootstrap(): void {
    const env = this.env;
    // A misspelt FEEDBACK_<ACTION> would silently keep the default: refuse to start instead.
    const known = new Set(this.registry.names().map((name) => FeedbackConfig.envName(name)));
    const unknown = Object.keys(env).filter(
      (name) =>
        name.startsWith('FEEDBACK_') &&
        !(FEEDBACK_SETTINGS as readonly string[]).includes(name) &&
        env[name] &&
        !known.has(name),
    );
    if (unknown.length)
      throw new ConfigError(unknown.map((name) => `${name}: no action of that name`));
    if (!this.zou.isConfigured)
      this.logger.warn('No ZOU_URL: job outcomes are not written back to Kitsu as comments');
  }

  wants(job: Job<ActionJobBase>, outcome: JobOutcome): boolean {
    // Without Zou there is nowhere to write: a failing call per job would cost more than the job.
    if (!this.zou.isConfigured) return false;
    const registered = this.registry.get(job.data.action);
    // Follow-up jobs (render tracking) and notices post their own comments.
    if (!registered || registered.options.internal) return false;
    const wish = {
      preferred: registered.handler.commentWanted?.(job.data) ? ('always' as const) : undefined,
      readOnly: registered.options.readOnly,
    };
    const { action, request } = job.data;
    if (!this.config.shouldComment(action, request.format, outcome.state, wish)) return false;
    return this.targets(job, outcome).length > 0;
  }

  async write(job: Job<ActionJobBase>, outcome: JobOutcome, resumed: boolean): Promise<void> {
    const comment = this.commentText(job, outcome);
    const done = new Set(job.data.outcomeCommented ?? []);
    let pending = this.targets(job, outcome).filter((taskId) => !done.has(taskId));
    // A run killed between Zou's answer and the record may have posted some: look before posting.
    if (resumed && pending.length) {
      const found = await this.alreadyPosted(pending, comment);
      if (found.length) {
        for (const taskId of found) done.add(taskId);
        await this.remember(job, done);
        pending = pending.filter((taskId) => !done.has(taskId));
      }
    }
    if (!pending.length) return;
    // A comment keeps the task's status: one bulk read for all of them rather than one per
    // comment. If it fails, each comment reads its own.
    const statusOf = await this.zou
      .getTasksByIds(pending)
      .then(({ tasks }) => new Map(tasks.map((task) => [task.id, task.task_status_id])))
      .catch(() => new Map<string, string>());
    const unanswered: Error[] = [];
    for (let start = 0; start < pending.length; start += BATCH) {
      const batch = pending.slice(start, start + BATCH);
      const results = await Promise.allSettled(
        batch.map((taskId) => {
          const taskStatusId = statusOf.get(taskId);
          return this.zou.commentTask(taskId, {
            comment,
            personId: job.data.request.personId || undefined,
            ...(taskStatusId ? { taskStatusId } : {}),
          });
        }),
      );
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') done.add(batch[index]);
        else if (isTransient(result.reason)) unanswered.push(asError(result.reason));
        else {
          // Refused for good (task deleted, no right): trying again would not help.
          done.add(batch[index]);
          this.logger.warn({
            ...jobLogFields(job),
            msg: `outcome comment refused on task ${batch[index]}: ${String(result.reason)}`,
          });
        }
      });
      await this.remember(job, done);
    }
    // Some went unanswered: the job is retried and only those are tried again (after a look).
    if (unanswered.length) throw unanswered[0];
  }

  /** The comment text for an outcome; exported through the service for tests and previews. */
  commentText(job: Job<ActionJobBase>, outcome: JobOutcome): string {
    const registered = this.registry.get(job.data.action);
    const label = registered?.options.label ?? job.data.action;
    const jobId = formatJobId(job.queueName, job.id!);
    const link = `${this.app.publicUrl}/jobs/${jobId}${this.viewTokens.commentQuery(jobId)}`;
    const detail = this.detail(job, outcome);
    const trimmed = detail.length > MAX_TEXT ? `${detail.slice(0, MAX_TEXT - 1)}…` : detail;
    const head =
      outcome.state === 'completed' ? `${label}: ${trimmed}` : `${label} failed: ${trimmed}`;
    // What the person chose on the options form (or a script sent), so the task's history says it.
    const chosen = chosenOptionsLine(
      registered ? variantOptions(registered.handler, job.data.variant)?.schema : undefined,
      job.data.options,
      job.data.optionDefaults,
      job.data.optionLabels,
    );
    return `${head}${chosen ? `\n${chosen}` : ''}\n\nDetails: ${link}`;
  }

  /** Selected tasks to comment on: the first FEEDBACK_MAX_TASKS the action left uncommented. */
  private targets(job: Job<ActionJobBase>, outcome: JobOutcome): string[] {
    const handler = this.registry.get(job.data.action)?.handler;
    const result = outcome.state === 'completed' ? outcome.result : null;
    let commented: ReadonlySet<string> = new Set();
    try {
      commented = new Set(handler?.tasksCommented?.(job.data as never, result as never) ?? []);
    } catch (error) {
      this.logger.warn(`tasksCommented of ${job.data.action} threw: ${String(error)}`);
    }
    const left = job.data.request.taskIds.filter((taskId) => !commented.has(taskId));
    return left.slice(0, this.config.maxTasks);
  }

  private detail(job: Job<ActionJobBase>, outcome: JobOutcome): string {
    const handler = this.registry.get(job.data.action)?.handler;
    if (outcome.state === 'failed') {
      // The action's own account (a forwarder naming itself and its answer) is complete as it is.
      const told = explainedFailure(handler, job.data, outcome.reason, (message) =>
        this.logger.warn(message),
      )?.plain;
      if (told) return told;
      const plain = plainReason(outcome.reason);
      return plain ? `${plain} (${outcome.reason})` : outcome.reason;
    }
    try {
      const described = handler?.describeOutcome?.(outcome.result as never);
      if (described) return described;
    } catch (error) {
      this.logger.warn(`describeOutcome of ${job.data.action} threw: ${String(error)}`);
    }
    return summaryOf(outcome.result) ?? 'done.';
  }

  /** Tasks that already carry this exact comment (its text holds this job's own link). */
  private async alreadyPosted(taskIds: string[], comment: string): Promise<string[]> {
    const found = await mapBounded(taskIds, 4, async (taskId) => {
      const comments = await this.zou.getTaskComments(taskId).catch((error: unknown) => {
        // A task gone from Kitsu gets no comment: count it as done.
        if (error instanceof ZouError && !error.isTransient) return null;
        throw error;
      });
      return comments === null || comments.some((c) => c.text === comment) ? taskId : null;
    });
    return found.filter((taskId): taskId is string => taskId !== null);
  }

  private async remember(job: Job<ActionJobBase>, done: Set<string>): Promise<void> {
    if (done.size === (job.data.outcomeCommented?.length ?? 0)) return;
    await job.updateData({ ...job.data, outcomeCommented: [...done] });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function isTransient(error: unknown): boolean {
  return !(error instanceof ZouError) || error.isTransient;
}
