import { ForbiddenException, Injectable, Logger } from '@nestjs/common';
import type { KitsuActionRequest, RegisteredAction } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { FeedbackConfig } from '../feedback/feedback.config';
import { JobQueues } from '../queues/job-queues.service';
import { ProducerConnection } from '../queues/producer-connection';

/** One notice per person and action in this window, whatever the clicks. */
export const NOTICE_WINDOW_MS = 10 * 60_000;
/**
 * Refusals of a person already identified (AUTH_MODE passed, known to Kitsu): they are told why.
 * `known-person` is not here: nobody identified, nothing written.
 */
const NOTICED_RULES = new Set([
  'action-role',
  'action-project',
  'action-entity-type',
  'task-visibility',
  'claimed-project',
  'project-membership',
]);

/**
 * Kitsu ignores the answer to an AJAX click, so a 403 there tells the person nothing. For an
 * identified person, the intake leaves a refusal notice on the `notices` queue (it never writes
 * to Zou itself) and the worker comments on the first selected task they can see. A Redis key per
 * person and action bounds it to one per NOTICE_WINDOW_MS, so clicking cannot spam a task's
 * assignees. FEEDBACK_REFUSALS=off turns it off.
 */
@Injectable()
export class RefusalNotices {
  private readonly logger = new Logger('RefusalNotices');
  private readonly enabled: boolean;

  constructor(
    private readonly queues: JobQueues,
    private readonly producer: ProducerConnection,
    private readonly app: AppConfig,
    feedback: FeedbackConfig,
  ) {
    this.enabled = feedback.refusalNotices;
  }

  /** Leaves a notice for this refusal when one is due; never throws (the 403 stands). */
  async afterRefusal(
    error: unknown,
    request: KitsuActionRequest,
    action: RegisteredAction,
    requestId: string,
  ): Promise<void> {
    if (!this.enabled || request.format !== 'ajax' || !(error instanceof ForbiddenException))
      return;
    const body = error.getResponse() as { rule?: unknown; message?: unknown };
    if (typeof body.rule !== 'string' || !NOTICED_RULES.has(body.rule)) return;
    try {
      const key = `${this.app.QUEUE_PREFIX}:refusal-notice:${request.personId}:${action.options.name}`;
      const first = await this.producer.client.set(key, '1', 'PX', NOTICE_WINDOW_MS, 'NX');
      if (first !== 'OK') return;
      await this.queues.enqueue(
        'refusal-notice',
        {
          action: 'refusal-notice',
          variant: '',
          request,
          params: {},
          requestId,
          requestedAt: new Date().toISOString(),
          notice: {
            actionLabel: action.options.label,
            rule: body.rule,
            reason: typeof body.message === 'string' ? body.message : 'not allowed',
          },
        },
        { attempts: 5 },
      );
    } catch (failure) {
      // Redis down: the person gets the 403 (their console) without a notice.
      this.logger.warn(`Refusal notice not queued: ${(failure as Error).message}`);
    }
  }
}
