import { hash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ActionRegistry } from '../actions/action-registry.service';
import type {
  ActionName,
  JobDataOf,
  KitsuActionRequest,
  OptionValue,
  OptionValues,
  RegisteredAction,
} from '../actions/action.types';
import type { AuthzDecision } from '../auth/authz.service';
import { AppConfig } from '../config/app.config';
import { AddRefusedError, NO_GUARD, type AddGuard } from '../queues/guarded-add';
import { JobQueues, type EnqueueOptions } from '../queues/job-queues.service';

export interface EnqueueInput {
  action: RegisteredAction;
  variant: string;
  request: KitsuActionRequest;
  params: Record<string, string>;
  requestId: string;
  /** What authorization learnt (real entity types, own-work-only tasks); absent when AUTHZ is off. */
  authz?: AuthzDecision;
  /** Validated options, for actions that declare them (see docs/options.md). */
  options?: OptionValues;
  /** The click's defaults, so the outcome comment can name what the person changed. */
  optionDefaults?: OptionValues;
  /** Labels of live choices (a farm tag's name for its id), as the form listed them. */
  optionLabels?: Record<string, string>;
  /** A check Redis runs in the job's insert (the rate limits); it may refuse (AddRefusedError). */
  guard?: AddGuard;
}

export interface Enqueued {
  jobId: string;
  duplicate: boolean;
}

/** Thrown when Redis cannot take the job: the caller must get a 503, never a 202. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly queues: JobQueues,
    readonly registry: ActionRegistry,
  ) {
    // Clicks counted with their insert go on a connection of their own (see ProducerConnection).
    queues.prepareGuardedInserts();
  }

  /**
   * Stores the job and resolves only once Redis has it. The same person asking for the same
   * action on the same selection (any order) within DEDUPE_WINDOW gets the existing job back,
   * through BullMQ deduplication rather than a scan.
   */
  async enqueue(input: EnqueueInput): Promise<Enqueued> {
    const { action, variant, request, params, requestId, authz, options } = input;
    const { optionDefaults, optionLabels, guard } = input;
    // A click's action is known at run time only (the registry vouched for it); its job carries
    // the base fields, since every action's own fields are optional until its worker records them.
    const name = action.options.name as ActionName;
    const data: JobDataOf<ActionName> = {
      action: name,
      variant,
      request,
      params,
      requestId,
      requestedAt: new Date().toISOString(),
    };
    // Set one by one rather than spread from throwaway objects: this runs for every click.
    if (authz && authz.entityTypes) data.authz = authz;
    if (options) {
      data.options = options;
      if (optionDefaults) data.optionDefaults = optionDefaults;
      if (optionLabels) data.optionLabels = optionLabels;
    }
    const windowMs = this.config.DEDUPE_WINDOW * 1000;
    // A variant may have its own limit (a forwarder's `attempts`): BullMQ and the page then agree.
    const attempts = action.handler.attemptsFor?.(variant) ?? action.options.attempts;
    // Unguarded (counted before, or no rate limits), the insert still takes the cheaper way.
    const enqueueOptions: EnqueueOptions = { guard: guard ?? NO_GUARD };
    if (attempts) enqueueOptions.attempts = attempts;
    if (windowMs > 0) enqueueOptions.deduplication = { id: dedupeKey(input), ttl: windowMs };
    try {
      return await this.queues.enqueue(name, data, enqueueOptions);
    } catch (error) {
      if (error instanceof AddRefusedError) throw error; // refused by its guard, Redis is fine
      this.logger.warn(`Could not enqueue ${action.options.name}: ${(error as Error).message}`);
      throw new QueueUnavailableError('The job queue is unavailable');
    }
  }
}

/** Same person, action, variant, parameters, options and set of tasks give the same key. */
export function dedupeKey(input: Omit<EnqueueInput, 'requestId'>): string {
  const params = Object.entries(input.params).sort(([a], [b]) => a.localeCompare(b));
  const material = JSON.stringify([
    input.action.options.name,
    input.variant,
    input.request.personId,
    [...input.request.taskIds].sort(),
    params,
    // Options only when there are some, so keys of actions without options stay as they were;
    // only those changed from the click's defaults, so a default that moves with the clock (a
    // playlist named with the time) does not make a double click two jobs.
    ...(input.options ? [changedOptions(input.options, input.optionDefaults)] : []),
  ]);
  return hash('sha256', material, 'hex').slice(0, 40);
}

/** The options that differ from the defaults (all of them when the defaults are unknown), sorted. */
function changedOptions(
  options: OptionValues,
  defaults: OptionValues | undefined,
): Array<[string, OptionValue]> {
  return Object.entries(options)
    .filter(
      ([name, value]) => !defaults || JSON.stringify(value) !== JSON.stringify(defaults[name]),
    )
    .sort(([a], [b]) => a.localeCompare(b));
}
