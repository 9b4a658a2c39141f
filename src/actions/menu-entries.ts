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
