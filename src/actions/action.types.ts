import type { Job } from 'bullmq';
import type { QueueName } from '../queues/queues';
import type { ZouRole } from '../zou/zou.types';

/** Entity types Kitsu can send as the `entitytype` hint. */
export const ENTITY_TYPES = ['asset', 'shot', 'sequence', 'edit', 'episode'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Which of Kitsu's two request formats carried the click. */
export type RequestFormat = 'ajax' | 'form';

/** One click in Kitsu, whichever format and field names it arrived with. */
export interface KitsuActionRequest {
  personId: string;
  personEmail: string;
  /** null when Kitsu sent no project (pages spanning projects). */
  projectId: string | null;
  /** Path of the Kitsu page the click came from. */
  originPath: string;
  /** Host (and port) of Kitsu as the browser saw it. */
  originServer: string;
  /** Selected task ids, lower-cased, duplicates folded, in selection order. */
  taskIds: string[];
  /** Kitsu's guess from the page route; the tasks themselves are the truth. */
  entityType: EntityType | null;
  format: RequestFormat;
}

/** What every job carries; never a token or secret. */
export interface ActionJobBase {
  action: string;
  /** Sub-action, e.g. the launcher name of `launch/<launcher>`; '' when none. */
  variant: string;
  request: KitsuActionRequest;
  /** Query parameters of the action URL (e.g. scope=project), secrets removed. */
  params: Record<string, string>;
  requestId: string;
  requestedAt: string;
  /**
   * What authorization learnt at intake (absent when AUTHZ is off or in jobs queued before):
   * the tasks' real entity types, and the tasks where only the person's own work may be touched.
   */
  authz?: { entityTypes: string[] | null; ownWorkOnly: string[] };
  /**
   * Recorded by the worker when the work ended and something is to be written about it (the
   * outcome comment): a retry skips the work and finishes the writing.
   */
  outcome?: JobOutcome;
  /** Tasks the outcome comment is known to be on (recorded after each batch). */
  outcomeCommented?: string[];
}

/** How a job's work ended: its result, or the reason it failed for good. */
export type JobOutcome =
  { state: 'completed'; result: unknown } | { state: 'failed'; reason: string };

/**
 * Per-action job data and results. Each action extends these maps in its own file:
 *
 *   declare module '../action.types' {
 *     interface ActionJobMap { inspect: Record<never, never> }
 *     interface ActionResultMap { inspect: InspectResult }
 *   }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ActionJobMap {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ActionResultMap {}

export type ActionName = Extract<keyof ActionJobMap, string>;
export type JobDataOf<N extends ActionName> = ActionJobBase & {
  action: N;
} & (N extends keyof ActionJobMap ? ActionJobMap[N] : unknown);
export type ResultOf<N extends ActionName> = N extends keyof ActionResultMap
  ? ActionResultMap[N]
  : unknown;
export type JobOf<N extends ActionName> = Job<JobDataOf<N>, ResultOf<N>, string>;

/** Progress as stored on a job: a percentage and what is happening now. */
export interface JobProgress {
  percent: number;
  message?: string;
}

/** What a handler gets besides the job: progress reporting and a log line writer. */
export interface ActionContext {
  progress(percent: number, message?: string): Promise<void>;
  log(line: string): Promise<void>;
}

export interface ActionHandler<N extends ActionName = ActionName> {
  handle(job: JobOf<N>, context: ActionContext): Promise<ResultOf<N>>;
  /**
   * One short sentence about a successful outcome for the Kitsu comment (e.g. "Playlist 'X'
   * created with 12 shots"); without it the result's `summary` field is used.
   */
  describeOutcome?(result: ResultOf<N>): string;
  /**
   * Tasks this job has commented on itself (notify's note, render's "submitted", playlist's "added
   * to"): the outcome comment leaves them alone, since a second comment would repeat the first.
   * `result` is null when the job failed.
   */
  tasksCommented?(data: JobOf<N>['data'], result: ResultOf<N> | null): readonly string[];
  /**
   * A failed job (or one waiting to retry) told in the action's own terms, from what its runs kept
   * on the job (a forwarder's answer): the job page and the Kitsu comment say this rather than the
   * generic plain reasons. Null: the failure is not one the action can tell better.
   */
  explainFailure?(data: JobDataOf<N>, reason: string): FailureExplanation | null;
  /** Attempts a job of this variant gets (a forwarder's own `attempts`); absent: the action's. */
  attemptsFor?(variant: string): number | undefined;
  /** Sub-actions this handler serves (launchers, forwarders); absent when it has none. */
  variants?(): string[];
  /**
   * The entries `actions:register` puts in Kitsu's menu for this action. Absent: the action itself,
   * or one "<label>: <variant>" entry per variant when it has variants(). An empty list registers
   * nothing (e.g. no launcher configured), so Kitsu never lists a URL that would answer 404.
   */
  menuEntries?(): MenuEntry[];
  /**
   * True when this job's outcome should go to a Kitsu comment whatever the request format (e.g. a
   * forwarder configured with `comment: true`); an explicit FEEDBACK_<ACTION> still wins.
   */
  commentWanted?(data: ActionJobBase): boolean;
  /**
   * The result as it stands now, for actions whose work goes on after their job ends (render
   * tracking follows farm jobs): the job page and GET /jobs/:id show this instead of the stored one.
   */
  liveResult?(jobId: string, result: ResultOf<N>): Promise<ResultOf<N>>;
  /**
   * For actions that act on work an earlier click launched (render-cancel): the persons who
   * launched the work still going on for each task id, asked at intake (see `rolesFrom`).
   */
  launchersOf?(taskIds: string[]): Promise<Map<string, Set<string>>>;
  /**
   * Where the work that goes on after the job ended stands, read from its live result (see
   * liveResult): while `running`, the job page and GET /jobs/:id show the job as running with
   * this progress; once it has ended, its outcome as the badge. Null: the job's own state is true.
   */
  liveStatus?(result: ResultOf<N>): LiveStatus | null;
  /**
   * The public id of the job this one follows up (a render tracking poll follows its render):
   * whoever may see that job, with its `?view=` link, may see this one too.
   */
  followsUp?(data: JobDataOf<N>): string | null;
}

/** What an action says about one of its failures (see ActionHandler.explainFailure). */
export interface FailureExplanation {
  /** One or two sentences for a supervisor, naming what failed and how. */
  plain: string;
  /** Whatever the action's renderFailure hook shows on the job page's failure panel. */
  details?: unknown;
}

/** One entry an action proposes for Kitsu's "Run custom action" menu. */
export interface MenuEntry {
  /** The name Kitsu shows. */
  label: string;
  /** Sub-action (launcher, forwarder name) the entry posts to; absent for the action itself. */
  variant?: string;
  /** Query parameters of the entry's URL, e.g. `{ scope: 'project' }`. */
  params?: Record<string, string>;
  /** Entity types its tasks may have; absent: the action's own. */
  entityTypes?: readonly EntityType[] | 'all';
}

/** How a job whose work goes on after it ended stands now (see ActionHandler.liveStatus). */
export interface LiveStatus {
  /** `running` until every piece of the follow-up work has ended. */
  phase: 'running' | 'ended';
  /** Once ended: how it went, for the badge's colour. */
  tone: 'success' | 'warning' | 'danger' | 'neutral';
  /** Badge text, e.g. "Rendering", "All rendered", "Some failed", "Canceled". */
  label: string;
  /** Overall progress, 0-100. */
  percent: number;
  /** What is done and what is left, e.g. "Rendering on the farm: 4 of 6 done, 2 rendering". */
  message: string;
  /** When the last piece ended (ISO), once ended and known. */
  endedAt?: string | null;
}

/** What an action declares about itself with @KitsuAction. */
export interface KitsuActionOptions {
  /** URL segment and job name: POST /actions/<name>. Lower-case letters, digits and dashes. */
  name: string;
  /** Label proposed for Kitsu's "Run custom action" menu. */
  label: string;
  description: string;
  /** Queue whose workers run it. */
  queue: QueueName;
  /** Entity types whose tasks it accepts; 'all' accepts any. */
  entityTypes: readonly EntityType[] | 'all';
  /** The Kitsu `is_ajax` flag proposed when registering it (false opens a tab on our job page). */
  ajax: boolean;
  /** Attempts before a job fails for good (transient faults only). */
  attempts?: number;
  /** Zou roles allowed to run it by default (ACTION_ROLES wins); absent: any project member. */
  roles?: readonly ZouRole[];
  /**
   * Take the allowed roles of this other action when neither ACTION_ROLES nor `roles` names any
   * (render-cancel: those of render); a person outside them may still act on work they launched
   * themselves (the handler's `launchersOf`).
   */
  rolesFrom?: string;
  /**
   * Only reads Kitsu (inspect, stats): its outcome is written back only when the studio asks
   * (FEEDBACK_READONLY=on or FEEDBACK_<ACTION>), since every comment notifies the task's assignees.
   */
  readOnly?: boolean;
  /** Follow-up work (e.g. render tracking) that runs on a queue but cannot be asked for over HTTP. */
  internal?: boolean;
}

export interface RegisteredAction {
  options: KitsuActionOptions;
  handler: ActionHandler;
}

/*
 * How the job system shows an action: its job page, the job list, downloads, health. Every hook
 * is optional, and an action never imports src/jobs: the job system calls these through the
 * ActionRegistry. (Declaration merging: these belong to the ActionHandler declared above.)
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- merged declarations share type parameters
export interface ActionHandler<N extends ActionName = ActionName> {
  /**
   * The result as an HTML fragment for the job page; absent: its `summary` and a tree of its
   * fields (`renderGenericResult`). It gets the stored result as it came back from Redis (JSON),
   * so it must read it defensively and escape every value; one that throws falls back too.
   */
  renderResult?(result: unknown, context: RenderContext): string;
  /** The `details` of this action's FailureExplanation as HTML for the job page's failure panel. */
  renderFailure?(details: unknown, context: RenderContext): string;
  /**
   * Something people should see where they look for their jobs (forward: unstable forwarders),
   * read at each GET /jobs: a panel on the list page and a field of its JSON.
   */
  jobListNotice?(): Promise<JobListNotice>;
  /** Files a finished job's result can be downloaded as, besides result.json (stats: CSV). */
  downloads?(): ResultDownload[];
  /**
   * Entries this action adds to `/health/ready` (forward: `forwarders`). Reported, never failing
   * readiness: the other actions still work.
   */
  healthReports?(): ActionHealthReport[];
}

/** What a view hook may need besides the result, e.g. to link into Kitsu. */
export interface RenderContext {
  /** Kitsu web app base URL without a trailing slash, or null when KITSU_URL is not set. */
  kitsuUrl: string | null;
  /** Public id of the job being shown. */
  jobId: string;
  /** `?view=<token>` to append to links to this job's own routes (downloads), or ''. */
  viewQuery?: string;
}

/** See ActionHandler.jobListNotice. */
export interface JobListNotice {
  /** Field of GET /jobs's JSON that carries `data`, e.g. `unstableForwarders`. */
  field: string;
  /** The field's value (an empty list when all is well: scripts read a stable shape). */
  data: unknown;
  /** HTML panel for the list page (values escaped), '' when there is nothing to say. */
  html: string;
}

/** One format a result downloads as, at GET /jobs/:id/result.<format> (see ActionHandler.downloads). */
export interface ResultDownload {
  /** File extension and URL suffix, e.g. `csv`. */
  format: string;
  /** Content-Type of the file, e.g. `text/csv; charset=utf-8`. */
  contentType: string;
  /** What the file holds, for the 404 of a result that has none ("no statistics to export"). */
  describes: string;
  /** The file from the stored result (JSON from Redis); null when this result has nothing to export. */
  body(result: unknown): string | null;
}

/** One entry of /health/ready (see ActionHandler.healthReports). */
export interface ActionHealthReport {
  /** Its name in the report's `details`, e.g. `forwarders`. */
  name: string;
  /** Its details; `{ known: false }` is reported when they fail or take over 2 s. */
  read(): Promise<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------
// Option forms (issue 22): an action may ask before it acts. Kept in this block of its own; the
// interfaces below merge into ActionHandler and ActionJobBase declared above.
// ---------------------------------------------------------------------------------------------

/** One option's value as stored on a job: text, a number, a yes/no or a list (multi-select). */
export type OptionValue = string | number | boolean | string[];
/** The options a job runs with, by field name (always every declared field). */
export type OptionValues = Record<string, OptionValue>;

/** What an action's option defaults may look at: the click, and its tasks read from Zou on demand. */
export interface OptionSelection {
  request: KitsuActionRequest;
  /** The action URL's parameters (e.g. stats' `scope=project`), secrets removed. */
  params: Record<string, string>;
  /** The selected tasks as Zou has them (read once, on first call). */
  tasks(): Promise<import('../zou/selection-resolver').ResolvedTask[]>;
}

/**
 * The options an action asks for before it runs: a class whose properties carry the option
 * decorators of src/actions/option-fields.ts (class-validator rules, as the request DTO's),
 * and the defaults for a given click (configuration, or something read from the selection).
 */
export interface ActionOptionsDeclaration<T extends object = object> {
  schema: new () => T;
  defaults(selection: OptionSelection): Promise<Partial<Record<keyof T & string, OptionValue>>>;
  /**
   * The choices of each select listed live (declared with LiveSelectOption), by field name: asked
   * when the form shows and again when it is submitted, given the click and the values chosen so
   * far (a later step's list may depend on an earlier step's value). Throwing says why the list
   * cannot be had now; the form still shows, with that reason under the field.
   */
  liveChoices?: Partial<Record<keyof T & string, LiveChoicesProvider>>;
}

/** One choice of a select: the value stored and sent, the label shown. */
export interface OptionChoice {
  value: string;
  label: string;
}

/** What a live list is given: the click, and the option values as chosen so far. */
export interface LiveChoicesContext {
  selection: OptionSelection;
  values: Partial<OptionValues>;
}

export type LiveChoicesProvider = (context: LiveChoicesContext) => Promise<OptionChoice[]>;

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- merging needs the same parameters
export interface ActionHandler<N extends ActionName = ActionName> {
  /**
   * Options asked before acting: a browser click (form mode) lands on a form first; AJAX clicks
   * and scripts run with the defaults or the JSON body's `options`. Absent: it acts at once.
   */
  options?: ActionOptionsDeclaration;
  /**
   * Options per variant, for actions whose variants each declare their own (a forwarder's JSON
   * `options`): when present it answers for every variant and `options` is not read; undefined:
   * that variant acts at once. Read through `variantOptions` (src/actions/variant-options.ts).
   */
  optionsFor?(variant: string): ActionOptionsDeclaration | undefined;
}

export interface ActionJobBase {
  /** The validated options the job runs with (actions that declare options only). */
  options?: OptionValues;
  /**
   * The defaults the click offered (absent on jobs queued before they were kept): what differs
   * from them is what the person chose, named in the outcome comment (chosenOptionsLine).
   */
  optionDefaults?: OptionValues;
  /** Labels of the live choices made (a Flamenco tag's name for its UUID), by option name. */
  optionLabels?: Record<string, string>;
}
