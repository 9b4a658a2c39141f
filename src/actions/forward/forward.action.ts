import { Global, Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { configProvider } from '../../config/config.module';
import { formatJobId } from '../../jobs/job-id';
import { SelectionResolver, type ResolvedTask } from '../../zou/selection-resolver';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionJobBase,
  JobOf,
  MenuEntry,
} from '../action.types';
import { toUnrecoverable } from '../zou-failure';
import {
  deliver,
  isRetryable,
  targetReply,
  type DeliveryAttempt,
  type DeliveryOutcome,
} from './forward-delivery';
import { buildForwardPayload } from './forward-payload';
import { FORWARD_MAX_ATTEMPTS, ForwardConfig, type Forwarder } from './forward.config';
import { ForwarderHealth } from './forwarder-health';
// The job page shows forward results (message, link, delivery log) with this renderer.
import './forward.renderer';

/** Delivery attempts kept on a job: enough to see a retry story, bounded so a job stays small. */
export const MAX_DELIVERY_LOG = 10;

export interface ForwardResult {
  summary: string;
  forwarder: string;
  deliveryId: string;
  status: number;
  /** The target's `message`, shown to the person and usable as the Kitsu comment. */
  message: string | null;
  /** The target's `url` (http or https only), shown as a link. */
  url: string | null;
  forwardedTasks: number;
  skipped: string[];
  missing: string[];
  deliveries: DeliveryAttempt[];
}

declare module '../action.types' {
  interface ActionJobMap {
    forward: {
      /** Every delivery attempt so far, newest last (bounded). */
      deliveries?: DeliveryAttempt[];
    };
  }
  interface ActionResultMap {
    forward: ForwardResult;
  }
}

function describeAttempt(attempt: DeliveryAttempt): string {
  const what = attempt.status !== null ? `HTTP ${attempt.status}` : (attempt.error ?? 'failed');
  const head = attempt.answerHead.replace(/\s+/g, ' ').trim().slice(0, 120);
  return `Delivery ${attempt.attempt} to ${attempt.target}: ${what} in ${attempt.durationMs} ms${head ? ` (${head})` : ''}`;
}

/**
 * Hands the click to a studio's own HTTP service (a Flask or FastAPI script): the selection,
 * enriched through Zou, POSTed as signed JSON from a worker. Network errors, timeouts and 5xx are
 * retried with the queue's backoff; any other answer fails the job at once with what the target
 * said.
 */
@KitsuAction({
  name: 'forward',
  label: 'Forward',
  description: "Sends the selection, with names and context, to a studio's own HTTP service",
  queue: 'forward',
  entityTypes: 'all',
  ajax: true,
  attempts: FORWARD_MAX_ATTEMPTS,
})
export class ForwardAction implements ActionHandler<'forward'> {
  private readonly forwarders: Map<string, Forwarder>;

  constructor(
    config: ForwardConfig,
    private readonly resolver: SelectionResolver,
    private readonly health: ForwarderHealth,
  ) {
    this.forwarders = new Map(config.forwarders.map((f) => [f.name, f]));
  }

  variants(): string[] {
    return [...this.forwarders.keys()];
  }

  /** One Kitsu menu entry per forwarder, under its own label and entity types. */
  menuEntries(): MenuEntry[] {
    return [...this.forwarders.values()].map((forwarder) => ({
      label: forwarder.label,
      variant: forwarder.name,
      ...(forwarder.entityTypes ? { entityTypes: forwarder.entityTypes } : {}),
    }));
  }

  describeOutcome(result: ForwardResult): string {
    return result.message ?? result.summary;
  }

  commentWanted(data: ActionJobBase): boolean {
    return this.forwarders.get(data.variant)?.comment ?? false;
  }

  async handle(job: JobOf<'forward'>, context: ActionContext): Promise<ForwardResult> {
    const forwarder = this.forwarders.get(job.data.variant);
    if (!forwarder) throw new UnrecoverableError(`Unknown forwarder "${job.data.variant}"`);
    const { taskIds, projectId } = job.data.request;
    const jobId = formatJobId(job.queueName, job.id!);

    await context.progress(10, `Reading ${taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(taskIds, { projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const fits = (t: ResolvedTask) =>
      !forwarder.entityTypes ||
      (forwarder.entityTypes as string[]).includes(t.entityType.toLowerCase());
    const tasks = selection.tasks.filter(fits);
    const skipped = selection.tasks.filter((t) => !fits(t)).map((t) => t.task.id);
    if (!tasks.length) {
      throw new UnrecoverableError(
        `Nothing to send to ${forwarder.label}: none of the selected tasks fits it` +
          (forwarder.entityTypes ? ` (it takes ${forwarder.entityTypes.join(', ')} tasks)` : ''),
      );
    }

    const attemptNumber = job.attemptsMade + 1;
    const body = JSON.stringify(
      buildForwardPayload({
        forwarder,
        data: job.data,
        jobId,
        deliveryId: jobId,
        tasks,
        missing: selection.missing,
        sentAt: new Date(),
      }),
    );
    await context.progress(50, `Sending to ${forwarder.label}`);
    const outcome = await deliver({
      url: forwarder.url,
      secret: forwarder.secret,
      body,
      deliveryId: jobId,
      attempt: attemptNumber,
      timeoutMs: forwarder.timeoutMs,
    });
    const deliveries = [...(job.data.deliveries ?? []), outcome.attempt].slice(-MAX_DELIVERY_LOG);
    // Kept on the job before deciding anything, so every attempt's story survives a retry.
    await job.updateData({ ...job.data, deliveries });
    await context.log(describeAttempt(outcome.attempt));

    if (
      outcome.kind === 'answered' &&
      outcome.answer.status >= 200 &&
      outcome.answer.status < 300
    ) {
      await this.health.recordSuccess(forwarder.name);
      const reply = targetReply(outcome.answer);
      const extra = [
        skipped.length ? `${skipped.length} skipped (wrong entity type)` : '',
        selection.missing.length ? `${selection.missing.length} not found in Kitsu` : '',
      ].filter(Boolean);
      return {
        summary:
          `Sent ${tasks.length} task(s) to ${forwarder.label} (HTTP ${outcome.answer.status})` +
          (extra.length ? `, ${extra.join(', ')}` : ''),
        forwarder: forwarder.name,
        deliveryId: jobId,
        status: outcome.answer.status,
        message: reply.message,
        url: reply.url,
        forwardedTasks: tasks.length,
        skipped,
        missing: selection.missing,
        deliveries,
      };
    }
    return this.fail(forwarder, outcome, attemptNumber);
  }

  private async fail(
    forwarder: Forwarder,
    outcome: DeliveryOutcome,
    attemptNumber: number,
  ): Promise<never> {
    const reason =
      outcome.kind === 'unreachable'
        ? `${forwarder.label} could not be reached: ${outcome.attempt.error}`
        : `${forwarder.label} answered HTTP ${outcome.answer.status}` +
          (targetReply(outcome.answer).message
            ? `: ${targetReply(outcome.answer).message}`
            : outcome.attempt.answerHead
              ? `: ${outcome.attempt.answerHead.slice(0, 200)}`
              : '');
    await this.health.recordFailure(forwarder.name, reason);
    if (isRetryable(outcome) && attemptNumber < forwarder.attempts) throw new Error(reason);
    // A 4xx will not change by sending the same thing again; nor will a forwarder's last attempt.
    throw new UnrecoverableError(reason);
  }
}

/** Global so the health check and the job list read the same counts the worker writes. */
@Global()
@Module({
  providers: [configProvider(ForwardConfig), ForwarderHealth],
  exports: [ForwardConfig, ForwarderHealth],
})
export class ForwarderHealthModule {}

@Module({ imports: [ForwarderHealthModule], providers: [ForwardAction] })
export class ForwardModule {}
