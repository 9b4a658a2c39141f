import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ActionRegistry } from '../actions/action-registry.service';
import type { ActionJobBase } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ENV, type Env } from '../config/config.module';
import { ConfigError } from '../config/validate-env';
import { formatJobId } from '../jobs/job-id';
import { JobViewTokens } from '../jobs/job-view-token';
import { plainReason } from '../jobs/job-page';
import { summaryOf } from '../jobs/result-renderers';
import { jobLogFields } from '../logging/job-log';
import type { JobOutcomeListener } from '../worker/job-outcome';
import { ZouClient } from '../zou/zou.client';
import { FeedbackConfig } from './feedback.config';

const MAX_TEXT = 600;

/**
 * Writes a job's outcome back into Kitsu as a comment on each selected task, credited to the
 * person who ran it, with a link to the job page. Which outcomes are written is set per action
 * (FEEDBACK_<ACTION>); the text is the handler's `describeOutcome(result)` or the result's
 * `summary`. A comment that cannot be posted is logged: feedback never fails a job.
 */
@Injectable()
export class JobFeedback implements JobOutcomeListener, OnApplicationBootstrap {
  private readonly logger = new Logger('Feedback');
  readonly config: FeedbackConfig;

  constructor(
    private readonly zou: ZouClient,
    private readonly registry: ActionRegistry,
    private readonly app: AppConfig,
    private readonly viewTokens: JobViewTokens,
    @Inject(ENV) env: Env,
  ) {
    this.config = FeedbackConfig.fromEnv(env);
    this.env = env;
  }

  private readonly env: Env;

  /** After every module's init, so the registry knows all actions. */
  onApplicationBootstrap(): void {
    const env = this.env;
    // A misspelt FEEDBACK_<ACTION> would silently keep the default: refuse to start instead.
    const known = new Set(this.registry.names().map((name) => FeedbackConfig.envName(name)));
    const unknown = Object.keys(env).filter(
      (name) =>
        name.startsWith('FEEDBACK_') &&
        name !== 'FEEDBACK_MAX_TASKS' &&
        env[name] &&
        !known.has(name),
    );
    if (unknown.length)
      throw new ConfigError(unknown.map((name) => `${name}: no action of that name`));
    if (!this.zou.isConfigured)
      this.logger.warn('No ZOU_URL: job outcomes are not written back to Kitsu as comments');
  }

  async onCompleted(job: Job<ActionJobBase>, result: unknown): Promise<void> {
    await this.write(job, 'completed', this.describe(job, result));
  }

  async onFinalFailure(job: Job<ActionJobBase>, error: Error): Promise<void> {
    const reason = error.message || job.failedReason || 'no reason recorded';
    const plain = plainReason(reason);
    await this.write(job, 'failed', plain ? `${plain} (${reason})` : reason);
  }

  /** The comment text for an outcome; exported through the service for tests and previews. */
  commentText(job: Job<ActionJobBase>, outcome: 'completed' | 'failed', detail: string): string {
    const label = this.registry.get(job.data.action)?.options.label ?? job.data.action;
    const jobId = formatJobId(job.queueName, job.id!);
    const link = `${this.app.publicUrl}/jobs/${jobId}${this.viewTokens.commentQuery(jobId)}`;
    const trimmed = detail.length > MAX_TEXT ? `${detail.slice(0, MAX_TEXT - 1)}…` : detail;
    const head = outcome === 'completed' ? `${label}: ${trimmed}` : `${label} failed: ${trimmed}`;
    return `${head}\n\nDetails: ${link}`;
  }

  private describe(job: Job<ActionJobBase>, result: unknown): string {
    const handler = this.registry.get(job.data.action)?.handler;
    try {
      const described = handler?.describeOutcome?.(result as never);
      if (described) return described;
    } catch (error) {
      this.logger.warn(`describeOutcome of ${job.data.action} threw: ${String(error)}`);
    }
    return summaryOf(result) ?? 'done.';
  }

  private async write(
    job: Job<ActionJobBase>,
    outcome: 'completed' | 'failed',
    detail: string,
  ): Promise<void> {
    const { request } = job.data;
    // Follow-up jobs (render tracking) post their own comments; a generic one would repeat them.
    // Without Zou there is nowhere to write: a failing call per job would cost more than the job.
    if (!this.zou.isConfigured) return;
    const registered = this.registry.get(job.data.action);
    if (registered?.options.internal) return;
    const preferred = registered?.handler.commentWanted?.(job.data) ? 'always' : undefined;
    if (!this.config.shouldComment(job.data.action, request.format, outcome, preferred)) return;
    const taskIds = request.taskIds.slice(0, this.config.maxTasks);
    if (taskIds.length < request.taskIds.length)
      this.logger.log({
        ...jobLogFields(job),
        msg: `commenting on the first ${taskIds.length} of ${request.taskIds.length} tasks (FEEDBACK_MAX_TASKS)`,
      });
    const comment = this.commentText(job, outcome, detail);
    // A comment keeps the task's status: one bulk read for all of them rather than one per
    // comment. If it fails, each comment reads its own.
    const statusOf = await this.zou
      .getTasksByIds(taskIds)
      .then(({ tasks }) => new Map(tasks.map((task) => [task.id, task.task_status_id])))
      .catch(() => new Map<string, string>());
    const results = await Promise.allSettled(
      taskIds.map((taskId) => {
        const taskStatusId = statusOf.get(taskId);
        return this.zou.commentTask(taskId, {
          comment,
          personId: request.personId || undefined,
          ...(taskStatusId ? { taskStatusId } : {}),
        });
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length)
      this.logger.warn({
        ...jobLogFields(job),
        msg: `${failed.length} of ${taskIds.length} outcome comment(s) not posted: ${String(failed[0].reason)}`,
      });
  }
}
