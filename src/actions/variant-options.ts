import type { ActionHandler, ActionOptionsDeclaration } from './action.types';

/**
 * The options a click on this action and variant asks for: the handler's per-variant answer
 * (`optionsFor`, e.g. a forwarder's declared fields) when it has one, else its `options`.
 * Intake, the options page, the job view, the worker and registration all ask here.
 */
export function variantOptions(
  handler: ActionHandler | undefined,
  variant: string,
): ActionOptionsDeclaration | undefined {
  if (!handler) return undefined;
  return handler.optionsFor ? handler.optionsFor(variant) : handler.options;
}
