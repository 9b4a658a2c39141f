import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { configProvider } from '../../config/config.module';
import { formatJobId } from '../../queues/job-id';
import {
  SelectionResolver,
  type ResolvedSelection,
  type ResolvedTask,
} from '../../zou/selection-resolver';
import { selectionField } from '../selection-summary';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionHealthReport,
  ActionJobBase,
  ActionOptionsDeclaration,
  FailureExplanation,
  JobListNotice,
  JobOf,
  MenuEntry,
} from '../action.types';
import { toUnrecoverable } from '../zou-failure';
import { deliver, isRetryable, targetReply, type DeliveryAttempt } from './forward-delivery';
import { buildForwardPayload } from './forward-payload';
import { FORWARD_MAX_ATTEMPTS, ForwardConfig, type Forwarder } from './forward.config';
import { ForwarderHealth } from './forwarder-health';
import {
  renderForwardFailure,
  renderForwardResult,
  renderUnstableForwarders,
} from './forward.renderer';

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

/** "attempt 2 of 3" when the attempt knows its run, "" for ones kept before it did. */
function ofLimit(attempt: DeliveryAttempt): string {
  return attempt.runAttempt !== undefined && attempt.attemptLimit !== undefined
    ? `attempt ${attempt.runAttempt} of ${attempt.attemptLimit}`
    : '';
}

function describeAttempt(attempt: DeliveryAttempt): string {
  const what = attempt.status !== null ? `HTTP ${attempt.status}` : (attempt.error ?? 'failed');
  const said = (attempt.message ?? attempt.answerHead).replace(/\s+/g, ' ').trim().slice(0, 120);
  const run = ofLimit(attempt);
  return `Delivery ${attempt.attempt}${run ? ` (${run})` : ''} to ${attempt.target}: ${what} in ${attempt.durationMs} ms${said ? ` (${said})` : ''}`;
}

function succeeded(attempt: DeliveryAttempt): boolean {
  return attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
}

/**
 * The failure reason of a delivery, as stored on the job: rebuilt from the kept attempt alone, so
 * the job page can tell whether a job failed on its delivery (and say so in the forwarder's terms).
 */
function deliveryFailureReason(label: string, attempt: DeliveryAttempt): string {
  if (attempt.status === null)
    return `${label} could not be reached: ${attempt.error ?? 'no answer'}`;
  const said = attempt.message ?? attempt.answerHead.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${label} answered HTTP ${attempt.status}${said ? `: ${said}` : ''}`;
}

/** What the target did with a failed delivery, in plain words naming the forwarder. */
function plainDeliveryFailure(forwarder: Forwarder, attempt: DeliveryAttempt): string {
  const who = `The studio's own service "${forwarder.label}" (forwarder ${forwarder.name}, ${attempt.target})`;
  const run = ofLimit(attempt);
  const when = run ? ` on ${run}` : '';
  if (attempt.status === null) {
    const what = /^no answer within/.test(attempt.error ?? '')
      ? `gave ${attempt.error}`
      : `could not be reached (${attempt.error ?? 'no answer'})`;
    return `${who} ${what}${when}. Kitsu itself was reached.`;
  }
  const verb = attempt.status >= 500 ? 'failed with' : 'refused the delivery with';
  const said = attempt.message ? `: "${attempt.message.slice(0, 200)}"` : '';
  return `${who} ${verb} HTTP ${attempt.status}${said}${when}. Kitsu itself was reached.`;
}

/** What the job page's failure panel shows of a failed forward (see forward.renderer.ts). */
export interface ForwardFailureDetails {
  forwarder: string;
  label: string;
  target: string;
  /** The last answer's status; null when there was none (network error, timeout). */
  status: number | null;
  error: string | null;
  message: string | null;
  /** First characters of the last answer, for a target that answered something else than JSON. */
  answerHead: string;
  attemptLimit: number;
  deliveries: DeliveryAttempt[];
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

  /** A forwarder's declared fields (its JSON `options`): a form click lands on them first. */
  optionsFor(variant: string): ActionOptionsDeclaration | undefined {
    return this.forwarders.get(variant)?.options ?? undefined;
  }

  describeOutcome(result: ForwardResult): string {
    return result.message ?? result.summary;
  }

  commentWanted(data: ActionJobBase): boolean {
    return this.forwarders.get(data.variant)?.comment ?? false;
  }

  /** The forwarder's own attempts, so BullMQ, the page and the delivery log share one limit. */
  attemptsFor(variant: string): number | undefined {
    return this.forwarders.get(variant)?.attempts;
  }

  explainFailure(data: JobOf<'forward'>['data'], reason: string): FailureExplanation | null {
    const forwarder = this.forwarders.get(data.variant);
    const deliveries = data.deliveries ?? [];
    const last = deliveries.at(-1);
    // Only a failure its last delivery explains: one from reading Kitsu keeps the generic words.
    if (!forwarder || !last || succeeded(last)) return null;
    if (deliveryFailureReason(forwarder.label, last) !== reason) return null;
    const details: ForwardFailureDetails = {
      forwarder: forwarder.name,
      label: forwarder.label,
      target: last.target,
      status: last.status,
      error: last.error,
      message: last.message ?? null,
      answerHead: last.answerHead,
      attemptLimit: forwarder.attempts,
      deliveries,
    };
    return { plain: plainDeliveryFailure(forwarder, last), details };
  }

  renderResult(result: unknown): string {
    return renderForwardResult(result);
  }

  /** The failure panel shows what the studio's service answered, delivery by delivery. */
  renderFailure(details: unknown): string {
    return renderForwardFailure(details);
  }

  /** A forwarder that keeps failing is flagged where people look for their jobs. */
  async jobListNotice(): Promise<JobListNotice> {
    const unstable = (await this.health.states().catch(() => [])).filter((s) => s.unstable);
    return {
      field: 'unstableForwarders',
      data: unstable,
      html: renderUnstableForwarders(unstable),
    };
  }

  /**
   * `forwarders` in /health/ready: `unstable` names those with FORWARD_UNSTABLE_AFTER failed
   * deliveries in a row. A studio script being down is no reason to take this service out of a
   * load balancer, so it never fails readiness.
   */
  healthReports(): ActionHealthReport[] {
    return [
      {
        name: 'forwarders',
        read: async () => {
          const states = await this.health.states();
          return {
            configured: states.length,
            unstable: states.filter((s) => s.unstable).map((s) => s.name),
            failuresInARow: Object.fromEntries(states.map((s) => [s.name, s.failuresInARow])),
          };
        },
      },
    ];
  }

  async handle(job: JobOf<'forward'>, context: ActionContext): Promise<ForwardResult> {
    const forwarder = this.forwarders.get(job.data.variant);
    if (!forwarder) throw new UnrecoverableError(`Unknown forwarder "${job.data.variant}"`);
    // This run's attempt; BullMQ counts from 0 again after a retry from the job page.
    const runAttempt = job.attemptsMade + 1;
    const final = (error: unknown) =>
      error instanceof UnrecoverableError || runAttempt >= forwarder.attempts;
    try {
      return await this.run(job, context, forwarder, runAttempt);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // The bar ends with the job: full and saying why, so it never stays at "Sending to ...".
      if (final(error)) await context.progress(100, `Not delivered: ${reason}`);
      else {
        await context.progress(
          50,
          `Attempt ${runAttempt} of ${forwarder.attempts} failed (${reason}); trying again`,
        );
      }
      // A job enqueued before its forwarder's limit was set may have more BullMQ attempts left.
      if (final(error) && !(error instanceof UnrecoverableError))
        throw new UnrecoverableError(reason);
      throw error;
    }
  }

  private async run(
    job: JobOf<'forward'>,
    context: ActionContext,
    forwarder: Forwarder,
    runAttempt: number,
  ): Promise<ForwardResult> {
    const jobId = formatJobId(job.queueName, job.id!);
    const { selection, tasks, skipped } = await this.readSelection(job, context, forwarder);

    const earlier = job.data.deliveries ?? [];
    // Numbered on from the last kept attempt, so a retry from the page adds rows, never repeats one.
    const attempt = (earlier.at(-1)?.attempt ?? 0) + 1;
    const deliveryId = deliveryIdOf(jobId, earlier, runAttempt);
    const body = JSON.stringify(
      buildForwardPayload({
        forwarder,
        data: job.data,
        jobId,
        deliveryId,
        tasks,
        missing: selection.missing,
        sentAt: new Date(),
      }),
    );
    await context.progress(
      50,
      `Sending ${tasks.length} task(s) to ${forwarder.label} (attempt ${runAttempt} of ${forwarder.attempts})`,
    );
    const outcome = await deliver({
      url: forwarder.url,
      secret: forwarder.secret,
      body,
      deliveryId,
      attempt,
      runAttempt,
      attemptLimit: forwarder.attempts,
      timeoutMs: forwarder.timeoutMs,
    });
    const deliveries = [...earlier, outcome.attempt].slice(-MAX_DELIVERY_LOG);
    // Kept on the job before deciding anything, so every attempt's story survives a retry.
    await job.updateData({ ...job.data, deliveries });
    await context.log(describeAttempt(outcome.attempt));

    if (succeeded(outcome.attempt) && outcome.kind === 'answered') {
      await this.health.recordSuccess(forwarder.name);
      const reply = targetReply(outcome.answer);
      const extra = [
        skipped.length ? `${skipped.length} skipped (wrong entity type)` : '',
        selection.missing.length ? `${selection.missing.length} not found in Kitsu` : '',
      ].filter(Boolean);
      const summary =
        `Sent ${tasks.length} task(s) to ${forwarder.label} (HTTP ${outcome.answer.status})` +
        (extra.length ? `, ${extra.join(', ')}` : '');
      await context.progress(100, reply.message ? `${summary}: ${reply.message}` : summary);
      return {
        summary,
        forwarder: forwarder.name,
        deliveryId,
        status: outcome.answer.status,
        message: reply.message,
        url: reply.url,
        forwardedTasks: tasks.length,
        skipped,
        missing: selection.missing,
        deliveries,
        ...selectionField(selection.tasks),
      };
    }
    const reason = deliveryFailureReason(forwarder.label, outcome.attempt);
    await this.health.recordFailure(forwarder.name, reason);
    if (isRetryable(outcome) && runAttempt < forwarder.attempts) throw new Error(reason);
    // A 4xx will not change by sending the same thing again; nor will a forwarder's last attempt.
    throw new UnrecoverableError(reason);
  }

  /** The selected tasks from Kitsu, those of entity types the forwarder takes apart. */
  private async readSelection(
    job: JobOf<'forward'>,
    context: ActionContext,
    forwarder: Forwarder,
  ): Promise<{ selection: ResolvedSelection; tasks: ResolvedTask[]; skipped: string[] }> {
    const { taskIds, projectId } = job.data.request;
    await context.progress(10, `Reading ${taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(taskIds, { projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const fits = (t: ResolvedTask) =>
      !forwarder.entityTypes ||
      (forwarder.entityTypes as string[]).includes(t.entityType.toLowerCase());
    const tasks = selection.tasks.filter(fits);
    const skipped = selection.tasks.filter((t) => !fits(t)).map((t) => t.task.id);
    await context.log(
      `Read ${selection.tasks.length} task(s) from Kitsu` +
        (selection.missing.length ? `, ${selection.missing.length} not found` : '') +
        (skipped.length ? `, ${skipped.length} of another entity type left out` : ''),
    );
    if (!tasks.length) {
      throw new UnrecoverableError(
        `Nothing to send to ${forwarder.label}: none of the selected tasks fits it` +
          (forwarder.entityTypes ? ` (it takes ${forwarder.entityTypes.join(', ')} tasks)` : ''),
      );
    }
    return { selection, tasks, skipped };
  }
}

// The health check and the job list read ForwarderHealth through the handler's hooks.
@Module({ providers: [configProvider(ForwardConfig), ForwarderHealth, ForwardAction] })
export class ForwardModule {}

/**
 * The delivery id a receiver drops repeats by: one per run, so BullMQ's automatic retries of a run
 * are the same delivery, while a retry from the job page (a person asking again) is a new one.
 */
function deliveryIdOf(
  jobId: string,
  earlier: ReadonlyArray<{ runAttempt?: number }>,
  runAttempt: number,
): string {
  const runsBefore = earlier.filter((attempt) => attempt.runAttempt === 1).length;
  const run = runAttempt === 1 ? runsBefore + 1 : Math.max(runsBefore, 1);
  return run <= 1 ? jobId : `${jobId}-r${run}`;
}
