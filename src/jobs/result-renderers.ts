import type { ActionHandler, RenderContext } from '../actions/action.types';
import { renderGenericResult } from '../actions/result-view';

/*
 * The job page asks the action's own view hooks (ActionHandler.renderResult / renderFailure) and
 * falls back to the generic view, so a bad result or a view that throws never breaks the page.
 */

/** The result as HTML: the action's renderResult, else (or when it throws) the generic view. */
export function renderResult(
  handler: ActionHandler | undefined,
  result: unknown,
  context: RenderContext,
): string {
  try {
    if (handler?.renderResult) return handler.renderResult(result, context);
  } catch {
    // fall through to the generic view
  }
  return renderGenericResult(result);
}

/** The failure details as HTML, '' when the action has no renderFailure or it throws. */
export function renderFailureDetails(
  handler: ActionHandler | undefined,
  details: unknown,
  context: RenderContext,
): string {
  if (!handler?.renderFailure || details === undefined) return '';
  try {
    return handler.renderFailure(details, context);
  } catch {
    return '';
  }
}
