import type { ActionHandler, ActionJobBase, FailureExplanation } from '../actions/action.types';

/**
 * A job's failure as its action tells it (ActionHandler.explainFailure), for the job API, the job
 * page and the Kitsu comment alike. Null when the action has nothing better to say, or when its hook
 * throws (data of an unexpected shape): the reason itself is still true; `warn` hears of the throw.
 */
export function explainedFailure(
  handler: ActionHandler | undefined,
  data: ActionJobBase,
  reason: string,
  warn?: (message: string) => void,
): FailureExplanation | null {
  if (!handler?.explainFailure) return null;
  try {
    return handler.explainFailure(data as never, reason);
  } catch (error) {
    warn?.(`explainFailure of ${data.action} threw: ${String(error)}`);
    return null;
  }
}
