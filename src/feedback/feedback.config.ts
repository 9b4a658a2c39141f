import { ConfigError } from '../config/validate-env';
import type { RequestFormat } from '../actions/action.types';

/** When an action's outcome is written back as a Kitsu comment. */
export type FeedbackWhen = 'never' | 'failure' | 'always';
const WHENS: readonly FeedbackWhen[] = ['never', 'failure', 'always'];

/** Comments go to at most this many selected tasks by default (FEEDBACK_MAX_TASKS). */
export const DEFAULT_MAX_TASKS = 50;

/**
 * FEEDBACK_<ACTION>=never|failure|always per action (name upper-cased, dashes as underscores,
 * e.g. FEEDBACK_RENDER_TRACKING). Without one: always for AJAX requests, since Kitsu shows them
 * nothing, and failure for form requests, whose person already sees the job page.
 */
export class FeedbackConfig {
  private constructor(
    private readonly perAction: ReadonlyMap<string, FeedbackWhen>,
    readonly maxTasks: number,
  ) {}

  static fromEnv(env: Record<string, string | undefined>): FeedbackConfig {
    const problems: string[] = [];
    const perAction = new Map<string, FeedbackWhen>();
    let maxTasks = DEFAULT_MAX_TASKS;
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
      if (!(WHENS as readonly string[]).includes(value)) {
        problems.push(`${name}: must be one of never, failure, always`);
        continue;
      }
      perAction.set(name.slice('FEEDBACK_'.length), value as FeedbackWhen);
    }
    if (problems.length) throw new ConfigError(problems);
    return new FeedbackConfig(perAction, maxTasks);
  }

  static envName(action: string): string {
    return `FEEDBACK_${action.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  /** `preferred` is the action's own wish for this job; an explicit variable overrides it. */
  whenFor(action: string, format: RequestFormat, preferred?: FeedbackWhen): FeedbackWhen {
    const configured = this.perAction.get(FeedbackConfig.envName(action).slice('FEEDBACK_'.length));
    return configured ?? preferred ?? (format === 'ajax' ? 'always' : 'failure');
  }

  shouldComment(
    action: string,
    format: RequestFormat,
    outcome: 'completed' | 'failed',
    preferred?: FeedbackWhen,
  ): boolean {
    const when = this.whenFor(action, format, preferred);
    return when === 'always' || (when === 'failure' && outcome === 'failed');
  }
}
