import { ConfigError } from '../config/validate-env';
import type { RequestFormat } from '../actions/action.types';

/** When an action's outcome is written back as a Kitsu comment. */
export type FeedbackWhen = 'never' | 'failure' | 'always';
const WHENS: readonly FeedbackWhen[] = ['never', 'failure', 'always'];

/** Comments go to at most this many selected tasks by default (FEEDBACK_MAX_TASKS). */
export const DEFAULT_MAX_TASKS = 50;

/** Variables of this area that are not FEEDBACK_<ACTION>. */
export const FEEDBACK_SETTINGS = [
  'FEEDBACK_MAX_TASKS',
  'FEEDBACK_READONLY',
  'FEEDBACK_REFUSALS',
] as const;

/** What an action says about its own outcome comment. */
export interface FeedbackWish {
  /** The action's wish for this job (e.g. a forwarder with `comment: true`). */
  preferred?: FeedbackWhen;
  /** The action only reads Kitsu: nothing is written unless FEEDBACK_READONLY=on. */
  readOnly?: boolean;
}

/**
 * FEEDBACK_<ACTION>=never|failure|always per action (name upper-cased, dashes as underscores,
 * e.g. FEEDBACK_RENDER_TRACKING). Without one: always for AJAX requests, since Kitsu shows them
 * nothing, and failure for form requests, whose person already sees the job page. Read-only
 * actions (inspect, stats) write nothing unless FEEDBACK_READONLY=on: each comment notifies the
 * task's assignees, and a look at a selection is not news for them.
 */
export class FeedbackConfig {
  private constructor(
    private readonly perAction: ReadonlyMap<string, FeedbackWhen>,
    readonly maxTasks: number,
    readonly readOnlyComments: boolean,
    /** A person refused over AJAX is told why in Kitsu (FEEDBACK_REFUSALS, default on). */
    readonly refusalNotices: boolean,
  ) {}

  static fromEnv(env: Record<string, string | undefined>): FeedbackConfig {
    const problems: string[] = [];
    const perAction = new Map<string, FeedbackWhen>();
    let maxTasks = DEFAULT_MAX_TASKS;
    let readOnlyComments = false;
    let refusalNotices = true;
    for (const [name, raw] of Object.entries(env)) {
      if (!name.startsWith('FEEDBACK_') || raw === undefined || raw === '') continue;
      const value = raw.trim().toLowerCase();
      if (name === 'FEEDBACK_MAX_TASKS') {
        const parsed = Number(value);
        if (!Number.isInteger(parsed) || parsed < 0 || parsed > 5000)
          problems.push(`${name}: must be an integer from 0 to 5000`);
        else maxTasks = parsed;
        continue;
      }
      if (name === 'FEEDBACK_READONLY' || name === 'FEEDBACK_REFUSALS') {
        if (value !== 'on' && value !== 'off') problems.push(`${name}: must be on or off`);
        else if (name === 'FEEDBACK_READONLY') readOnlyComments = value === 'on';
        else refusalNotices = value === 'on';
        continue;
      }
      if (!(WHENS as readonly string[]).includes(value)) {
        problems.push(`${name}: must be one of never, failure, always`);
        continue;
      }
      perAction.set(name.slice('FEEDBACK_'.length), value as FeedbackWhen);
    }
    if (problems.length) throw new ConfigError(problems);
    return new FeedbackConfig(perAction, maxTasks, readOnlyComments, refusalNotices);
  }

  static envName(action: string): string {
    return `FEEDBACK_${action.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  /** An explicit FEEDBACK_<ACTION> wins over the action's wish and the defaults. */
  whenFor(action: string, format: RequestFormat, wish: FeedbackWish = {}): FeedbackWhen {
    const configured = this.perAction.get(FeedbackConfig.envName(action).slice('FEEDBACK_'.length));
    if (configured) return configured;
    if (wish.readOnly && !this.readOnlyComments) return 'never';
    return wish.preferred ?? (format === 'ajax' ? 'always' : 'failure');
  }

  shouldComment(
    action: string,
    format: RequestFormat,
    outcome: 'completed' | 'failed',
    wish: FeedbackWish = {},
  ): boolean {
    const when = this.whenFor(action, format, wish);
    return when === 'always' || (when === 'failure' && outcome === 'failed');
  }
}
