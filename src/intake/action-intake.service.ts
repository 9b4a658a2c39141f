import type { IncomingHttpHeaders } from 'node:http';
import {
  HttpException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ActionRegistry } from '../actions/action-registry.service';
import type {
  KitsuActionRequest,
  OptionSelection,
  OptionValues,
  RegisteredAction,
  RequestFormat,
} from '../actions/action.types';
import {
  checkOptions,
  chosenLiveLabels,
  listLiveChoices,
  optionFieldsOf,
  type CheckedOptions,
  type LiveChoiceLists,
} from '../actions/option-fields';
import { variantOptions } from '../actions/variant-options';
import { summarizeSelection } from '../actions/selection-summary';
import { ActionAuthorizer, type AuthzDecision } from '../auth/authz.service';
import { CallerAuth } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';
import { CrossSiteGuard } from '../edge/cross-site';
import { ActionRateLimiter, type RateGuard, type RateVerdict } from '../edge/rate-limiter';
import { isSecretParam } from '../http/redact';
import { JobViewTokens } from '../jobs/job-view-token';
import { AddRefusedError } from '../queues/guarded-add';
import { IntakeService } from './intake.service';
import { SelectionResolver, type ResolvedTask } from '../zou/selection-resolver';
import { KnownSessions } from './known-sessions';
import { KitsuRequestError, parseKitsuRequest } from './kitsu-request';
import { PendingOptions } from './pending-options';
import { RefusalNotices } from './refusal-notices';

/** Options a click runs with: the values, the defaults it was offered, live choices' labels. */
export interface ChosenOptions {
  values: OptionValues;
  defaults: OptionValues;
  liveLabels: Record<string, string>;
}

/**
 * One click as received, whichever HTTP layer read it: the Nest route (every format) or the
 * intake fast lane (Kitsu's AJAX JSON). Both hand the same facts to the same checks.
 */
export interface IntakeCall {
  action: string;
  variant: string;
  /** null when the content type is neither JSON nor a form (answered 415). */
  format: RequestFormat | null;
  /** The parsed JSON object or form fields. */
  body: unknown;
  /** The parsed query string of the action URL (it may carry ?key= and action parameters). */
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The body as received, for `signed` mode. */
  rawBody?: Buffer;
  /** The method and the path with its query as on the request line, for `signed` mode. */
  method: string;
  target: string;
  /** The caller's address as TRUST_PROXY resolves it. */
  ip: string | undefined;
  requestId: string;
}

export interface Accepted {
  jobId: string;
  action: string;
  status: 'queued' | 'duplicate';
  duplicate: boolean;
  statusUrl: string;
}

/** A browser click parked until its options are chosen (see PendingOptions). */
export interface OptionsAsked {
  kind: 'ask';
  pendingId: string;
  /** The browser binding to set as the form's cookie. */
  binding: string;
  ttlS: number;
}

/** A click that passed every check, before it is queued or parked. */
export interface AdmittedClick {
  action: RegisteredAction;
  variant: string;
  request: KitsuActionRequest;
  params: Record<string, string>;
  requestId: string;
  authz?: AuthzDecision;
  /** Rate limits not counted yet: they are counted by the job's insert (see authenticate). */
  uncounted?: UncountedClick;
}

/** A click whose rate limits its job's insert will count, in the same Redis round trip. */
interface UncountedClick {
  ip: string | undefined;
  rate: RateGuard;
}

export interface IntakeOutcome {
  /** The job page path with its view token, for Location and the form post's redirect. */
  jobPath: string;
  body: Accepted;
}

/**
 * What happens to a click, in order: it must not come from another site's page, the action must exist, the body must be a valid Kitsu
 * request, the caller must prove who they are, stay within the rate limits and be allowed to
 * run this action on these tasks; then the job is stored and its link handed back. Every
 * refusal is an HttpException or a KitsuRequestError, which both HTTP layers answer alike.
 */
@Injectable()
export class ActionIntake {
  constructor(
    private readonly intake: IntakeService,
    private readonly registry: ActionRegistry,
    private readonly config: AppConfig,
    private readonly auth: CallerAuth,
    private readonly rateLimiter: ActionRateLimiter,
    private readonly authz: ActionAuthorizer,
    private readonly viewTokens: JobViewTokens,
    private readonly refusals: RefusalNotices,
    private readonly crossSite: CrossSiteGuard,
    private readonly resolver: SelectionResolver,
    private readonly pending: PendingOptions,
  ) {
    const modes = auth.config.modes;
    this.usesSession = modes.includes('kitsu-session');
    this.authAsksNobody = modes.every((mode) => mode === 'shared-secret' || mode === 'none');
    this.sessions = new KnownSessions(auth.config.AUTH_CACHE_SECONDS * 1000);
  }

  /** Whether callers prove themselves with a Kitsu session (checked with Zou, then cached). */
  private readonly usesSession: boolean;
  /** Whether authentication needs no Zou or Redis call (shared secret only, or none). */
  private readonly authAsksNobody: boolean;
  private readonly sessions: KnownSessions;

  /** A click that runs at once: options (if the action has any) from the JSON body or defaults. */
  async accept(call: IntakeCall): Promise<IntakeOutcome> {
    const admitted = await this.admit(call, true);
    let chosen: ChosenOptions | undefined;
    try {
      chosen = await this.optionsOfCall(admitted, call);
    } catch (error) {
      await this.countNow(admitted);
      throw error;
    }
    return this.enqueue(admitted, chosen);
  }

  /**
   * A browser's form click: an action with options parks the click and asks (the options page);
   * any other runs at once, as accept() would.
   */
  async acceptOrAsk(call: IntakeCall): Promise<IntakeOutcome | OptionsAsked> {
    const admitted = await this.admit(call);
    if (!variantOptions(admitted.action.handler, admitted.variant)) {
      return this.enqueue(admitted, undefined);
    }
    const selection = this.selectionOf(admitted);
    const [defaults, tasks] = await Promise.all([
      this.defaultsOf(admitted.action, admitted.variant, selection),
      // The names are for the page only: unreadable (no ZOU_URL, Zou down) lists none, never a 500.
      // Defaults that need the tasks fail on their own, as a 503 (defaultsOf).
      selection.tasks().catch((): ResolvedTask[] => []),
    ]);
    const { id, binding, ttlS } = await this.pending.park({
      action: admitted.action.options.name,
      variant: admitted.variant,
      request: admitted.request,
      params: admitted.params,
      requestId: admitted.requestId,
      ...(admitted.authz ? { authz: admitted.authz } : {}),
      defaults,
      selection: summarizeSelection(tasks),
    });
    return { kind: 'ask', pendingId: id, binding, ttlS };
  }

  /** The checks every click passes before anything is stored, in order. */
  private async admit(call: IntakeCall, countWithInsert = false): Promise<AdmittedClick> {
    // A page on another origin posting with the person's cookies stops here, before anything runs.
    this.crossSite.check(call);
    // The action, the request, who asks and the rate limits (see authenticate).
    const { action, request, uncounted } = await this.authenticate(call, countWithInsert);
    const admitted: AdmittedClick = {
      action,
      variant: call.variant,
      request,
      params: publicParams(call.query),
      requestId: call.requestId,
      ...(uncounted ? { uncounted } : {}),
    };
    // Then whether that person may run this action on these tasks (403 names the rule).
    // Over AJAX the 403 reaches nobody: an identified person is told in Kitsu (through a job).
    admitted.authz = await this.authz.authorize(request, action).catch(async (error: unknown) => {
      await this.countNow(admitted);
      await this.refusals.afterRefusal(error, request, action, call.requestId);
      throw error;
    });
    return admitted;
  }

  /**
   * A click left for its insert to count that stops before it (refused, bad options) is counted
   * now; over a budget, the 429 wins over its own refusal, as when counting comes first.
   */
  private async countNow(admitted: AdmittedClick): Promise<void> {
    const { uncounted } = admitted;
    if (!uncounted) return;
    delete admitted.uncounted;
    this.refuseOverLimit(
      await this.rateLimiter.checkAddressAndPerson(uncounted.ip, admitted.request.personId),
    );
  }

  /**
   * The action, the request, who asks and the rate limits. Every request that passes the
   * cross-site check counts against its address, refused ones included, and the address is
   * counted before any Zou session check: a flood of made-up sessions from one address costs at
   * most RATE_LIMIT_PER_IP session checks against Zou. The person is counted once known, so
   * nobody can spend another person's budget. One Redis call counts both when the person is
   * known without asking Zou: a session Zou confirmed for this person moments ago, or an
   * authentication that asks nobody (shared secret); otherwise the address comes first, alone.
   * When, besides, nothing before the insert asks Zou (authorization answers from its cache, the
   * action has no options) and `countWithInsert`, that call is the job's insert itself: the click
   * comes back `uncounted`, and Redis counts it in the script that stores its job.
   */
  private async authenticate(
    call: IntakeCall,
    countWithInsert: boolean,
  ): Promise<{
    action: RegisteredAction;
    request: KitsuActionRequest;
    uncounted?: UncountedClick;
  }> {
    let addressCounted = false;
    try {
      const action = this.findAction(call.action, call.variant);
      if (!call.format) {
        throw new UnsupportedMediaTypeException(
          'Send application/json (Kitsu AJAX mode) or application/x-www-form-urlencoded (form mode)',
        );
      }
      const request = parseKitsuRequest(call.body, {
        maxSelection: this.config.MAX_SELECTION,
        format: call.format,
      });
      const name = action.options.name;
      const knownSession =
        this.usesSession && this.sessions.known(call, request.personId, request.personEmail);
      if (knownSession || this.authAsksNobody) {
        const rate =
          countWithInsert && this.nothingAsksZouBeforeInsert(action, call.variant, request)
            ? this.rateLimiter.guardFor(call.ip, request.personId)
            : null;
        if (knownSession && !rate) {
          addressCounted = true;
          this.refuseOverLimit(
            await this.rateLimiter.checkAddressAndPerson(call.ip, request.personId),
          );
        }
        await this.auth.verify(call, request, name); // a known session: from the session cache
        if (rate) return { action, request, uncounted: { ip: call.ip, rate } };
        if (!knownSession) {
          addressCounted = true;
          this.refuseOverLimit(
            await this.rateLimiter.checkAddressAndPerson(call.ip, request.personId),
          );
        }
      } else {
        addressCounted = true;
        this.refuseOverLimit(await this.rateLimiter.checkAddress(call.ip));
        await this.auth.verify(call, request, name);
        if (this.usesSession) this.sessions.remember(call, request.personId, request.personEmail);
        this.refuseOverLimit(await this.rateLimiter.checkPerson(request.personId));
      }
      return { action, request };
    } catch (error) {
      // Refused before its address was counted (unknown action, bad body, wrong key): count it
      // now, and an address over its budget hears 429 rather than the reason.
      if (!addressCounted) this.refuseOverLimit(await this.rateLimiter.checkAddress(call.ip));
      throw error;
    }
  }

  /** True when nothing between authentication and the job's insert would ask Zou or a farm. */
  private nothingAsksZouBeforeInsert(
    action: RegisteredAction,
    variant: string,
    request: KitsuActionRequest,
  ): boolean {
    return !variantOptions(action.handler, variant) && this.authz.answersFromCache(request, action);
  }

  /** Queues the job of an admitted click (a parked one too, with the options its form validated). */
  async enqueue(
    admitted: AdmittedClick,
    chosen: ChosenOptions | undefined,
  ): Promise<IntakeOutcome> {
    const { action, variant, uncounted } = admitted;
    const { jobId, duplicate } = await this.intake
      .enqueue({
        action,
        variant,
        request: admitted.request,
        params: admitted.params,
        requestId: admitted.requestId,
        ...(admitted.authz ? { authz: admitted.authz } : {}),
        ...(uncounted ? { guard: uncounted.rate.guard } : {}),
        ...(chosen
          ? {
              options: chosen.values,
              optionDefaults: chosen.defaults,
              ...(Object.keys(chosen.liveLabels).length ? { optionLabels: chosen.liveLabels } : {}),
            }
          : {}),
      })
      .catch((error: unknown) => {
        // Over a budget, the insert's guard stored nothing: the same 429 as counting first.
        if (uncounted && error instanceof AddRefusedError)
          this.refuseOverLimit(uncounted.rate.verdict(error.reply));
        throw error;
      });
    // The link carries a view token: the job page opens for whoever clicked, whatever AUTH_MODE.
    const jobPath = `/jobs/${jobId}${this.viewTokens.query(jobId)}`;
    const name = action.options.name;
    return {
      jobPath,
      body: {
        jobId,
        action: variant ? `${name}/${variant}` : name,
        status: duplicate ? 'duplicate' : 'queued',
        duplicate,
        statusUrl: `${this.config.publicUrl}${jobPath}`,
      },
    };
  }

  /**
   * The options of a click that runs at once: the JSON body's `options` over the defaults,
   * validated by the action's class (400 naming `options.<field>`). None for actions without.
   */
  private async optionsOfCall(
    admitted: AdmittedClick,
    call: Pick<IntakeCall, 'body' | 'query'>,
  ): Promise<ChosenOptions | undefined> {
    const declared = variantOptions(admitted.action.handler, admitted.variant);
    const inBody = (call.body as Record<string, unknown>).options;
    const inQuery = optionsInQuery(call.query);
    if (inBody !== undefined && inQuery) {
      throw new KitsuRequestError([
        {
          field: 'options',
          reason: 'give options in the JSON body or in the query (options.<name>=…), not both',
        },
      ]);
    }
    const given = inBody ?? inQuery;
    if (!declared) {
      if (given === undefined) return undefined;
      const name = admitted.action.options.name;
      const what = admitted.variant ? `${name}/${admitted.variant}` : name;
      throw new KitsuRequestError([
        { field: 'options', reason: `action "${what}" takes no options` },
      ]);
    }
    if (
      given !== undefined &&
      (typeof given !== 'object' || given === null || Array.isArray(given))
    ) {
      throw new KitsuRequestError([
        { field: 'options', reason: 'must be an object of option values, e.g. {"priority": 80}' },
      ]);
    }
    const selection = this.selectionOf(admitted);
    const defaults = await this.defaultsOf(admitted.action, admitted.variant, selection);
    const checked = await this.checkWithLiveChoices(
      admitted.action,
      admitted.variant,
      selection,
      (given ?? {}) as Record<string, unknown>,
      defaults,
      'json',
    );
    if (checked.problems.length) {
      throw new KitsuRequestError(
        checked.problems.map((p) => ({ field: `options.${p.field}`, reason: p.reason })),
      );
    }
    return { values: checked.values, defaults, liveLabels: checked.liveLabels };
  }

  /** The action's (variant's) defaults for this click; Kitsu unreadable is a 503, never a 500. */
  async defaultsOf(
    action: RegisteredAction,
    variant: string,
    selection: OptionSelection,
  ): Promise<OptionValues> {
    try {
      const defaults = await variantOptions(action.handler, variant)!.defaults(selection);
      return Object.fromEntries(
        Object.entries(defaults).filter(([, value]) => value !== undefined),
      ) as OptionValues;
    } catch (error) {
      throw new ServiceUnavailableException({
        message: `Kitsu could not be read for the options of "${action.options.name}": ${(error as Error).message}. Try again shortly.`,
        retryAfter: 5,
      });
    }
  }

  /**
   * Options checked by their class, then the live selects against what their providers list now
   * (given the values as checked so far, so a list may depend on an earlier field).
   */
  async checkWithLiveChoices(
    action: RegisteredAction,
    variant: string,
    selection: OptionSelection,
    given: Record<string, unknown>,
    defaults: OptionValues,
    source: 'form' | 'json',
  ): Promise<CheckedOptions & { live: LiveChoiceLists; liveLabels: Record<string, string> }> {
    const declared = variantOptions(action.handler, variant)!;
    const first = checkOptions(declared.schema, given, defaults, source);
    if (!declared.liveChoices) return { ...first, live: {}, liveLabels: {} };
    const live = await listLiveChoices(declared, { selection, values: first.values });
    const checked = checkOptions(declared.schema, given, defaults, source, live);
    const fields = optionFieldsOf(declared.schema);
    return { ...checked, live, liveLabels: chosenLiveLabels(fields, checked.values, live) };
  }

  /** A request to an options form counts against its address, as a click does (429 over it). */
  async limitAddress(ip: string | undefined): Promise<void> {
    this.refuseOverLimit(await this.rateLimiter.checkAddress(ip));
  }

  /**
   * Authorization judged again with what Kitsu says now (a parked click waited up to
   * OPTIONS_PENDING_TTL_S): a person whose role changed meanwhile hears the intake's 403.
   */
  async reauthorize(click: AdmittedClick): Promise<AuthzDecision> {
    return this.authz.authorize(click.request, click.action, { fresh: true });
  }

  /** The click's tasks read from Zou at most once, whoever asks first. */
  selectionOf({ request, params }: Pick<AdmittedClick, 'request' | 'params'>): OptionSelection {
    let tasks: Promise<ResolvedTask[]> | null = null;
    return {
      request,
      params,
      tasks: () =>
        (tasks ??= this.resolver
          .resolve(request.taskIds, { projectId: request.projectId })
          .then((resolved) => resolved.tasks)),
    };
  }

  private refuseOverLimit(rate: RateVerdict): void {
    if (rate.allowed) return;
    const window = this.rateLimiter.config.RATE_LIMIT_WINDOW_S;
    throw new HttpException(
      {
        message:
          rate.limit === 'person'
            ? `Too many actions from this person: at most ${rate.max} per ${window} s`
            : `Too many actions from this address: at most ${rate.max} per ${window} s`,
        limit: rate.limit,
        retryAfter: rate.retryAfterS,
      },
      429,
    );
  }

  /** The actions a caller may name (internal ones, such as render tracking, are not). */
  publicActions(): RegisteredAction[] {
    return this.registry.all().filter((a) => !a.options.internal);
  }

  private findAction(name: string, variant: string): RegisteredAction {
    const action = this.registry.get(name);
    if (!action || action.options.internal) {
      throw new NotFoundException({
        message: `Unknown action "${name}"`,
        knownActions: this.publicActions().map((a) => a.options.name),
      });
    }
    const variants = action.handler.variants?.();
    if (variants && !variants.includes(variant)) {
      throw new NotFoundException({
        message: variant
          ? `Unknown ${name} "${variant}"`
          : `Action "${name}" needs one of: ${variants.map((v) => `${name}/${v}`).join(', ')}`,
        knownActions: variants.map((v) => `${name}/${v}`),
      });
    }
    if (!variants && variant) {
      throw new NotFoundException({
        message: `Action "${name}" has no sub-action "${variant}"`,
        knownActions: this.publicActions().map((a) => a.options.name),
      });
    }
    return action;
  }
}

/**
 * A script's options in the URL: `?options.priority=90&options.frameRange=1001-1020` (a
 * multi-select repeats its name). Checked as JSON options are, text turned into numbers and
 * yes/no where the field wants them. Never action parameters (a dot is not allowed there).
 */
function optionsInQuery(query: Record<string, unknown>): Record<string, unknown> | undefined {
  const prefix = 'options.';
  const found = Object.entries(query).filter(([key]) => key.startsWith(prefix));
  if (found.length === 0) return undefined;
  return Object.fromEntries(found.map(([key, value]) => [key.slice(prefix.length), value]));
}

/** Action parameters from the query string: short plain names and values, never a credential. */
function publicParams(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (isSecretParam(key) || typeof value !== 'string') continue;
    if (/^[A-Za-z0-9_-]{1,40}$/.test(key) && value.length <= 200) out[key] = value;
  }
  return out;
}
