import type { MenuEntry, RegisteredAction } from './action.types';

/**
 * The entries an action proposes for Kitsu's "Run custom action" menu: its own `menuEntries()`,
 * else one per variant, else the action itself. Shared by `GET /actions` and `actions:register`,
 * so what the service lists is what registration writes.
 */
export function menuEntriesOf({ options, handler }: RegisteredAction): MenuEntry[] {
  return (
    handler.menuEntries?.() ??
    handler.variants?.().map((variant) => ({ label: `${options.label}: ${variant}`, variant })) ?? [
      { label: options.label },
    ]
  );
}

/** The entry's path and query under the service's URL: `/actions/<name>[/<variant>][?query]`. */
export function menuEntryPath(actionName: string, entry: MenuEntry): string {
  const query = entry.params ? new URLSearchParams(entry.params).toString() : '';
  return (
    `/actions/${actionName}` +
    (entry.variant ? `/${encodeURIComponent(entry.variant)}` : '') +
    (query ? `?${query}` : '')
  );
}

/**
 * The menu entry a click came from, by its label: the one of the click's variant whose parameters
 * the click carries, the most specific first ("Production statistics (whole project)" for
 * `?scope=project`); the action's own label (with the variant) when none matches.
 */
export function menuLabelOf(
  action: RegisteredAction,
  variant: string,
  params: Record<string, string> = {},
): string {
  const carried = (entry: MenuEntry) =>
    Object.entries(entry.params ?? {}).every(([key, value]) => params[key] === value);
  const entry = menuEntriesOf(action)
    .filter((candidate) => (candidate.variant ?? '') === variant && carried(candidate))
    .sort((a, b) => Object.keys(b.params ?? {}).length - Object.keys(a.params ?? {}).length)[0];
  if (entry) return entry.label;
  return variant ? `${action.options.label}: ${variant}` : action.options.label;
}
