import { escapeHtml } from '../http/html';

/*
 * The generic view of a result, and the pieces action views share (an action's renderResult hook
 * may end with renderRawJson, show a part as renderTree...). Contract level: actions import this.
 */

/**
 * Any result: its `summary` line if it has one, then a readable tree with a raw JSON toggle. The
 * tree leaves out `summary` and `selection`, which the page already shows (lead, Selection panel).
 */
export function renderGenericResult(result: unknown): string {
  const summary = summaryOf(result);
  return `${summary ? `<p class="summary">${escapeHtml(summary)}</p>` : ''}${renderTree(withoutShown(result))}${renderRawJson(result)}`;
}

function withoutShown(result: unknown): unknown {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return result;
  const { summary: _summary, selection: _selection, ...rest } = result as Record<string, unknown>;
  return rest;
}

/** The `summary` field convention: one short sentence about the outcome. */
export function summaryOf(result: unknown): string | null {
  if (result && typeof result === 'object' && 'summary' in result) {
    const summary = result.summary;
    if (typeof summary === 'string' && summary.trim()) return summary.trim();
  }
  return null;
}

const MAX_TREE_DEPTH = 8;
const MAX_TREE_ITEMS = 200;

/** A nested list of every field; objects and arrays fold open with <details> (keyboard-friendly). */
export function renderTree(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '<span class="v-null">—</span>';
  if (typeof value !== 'object')
    return `<span class="v-${typeof value}">${escapeHtml(value)}</span>`;
  if (depth >= MAX_TREE_DEPTH) return '<span class="muted">…</span>';
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  if (entries.length === 0)
    return `<span class="muted">${Array.isArray(value) ? 'none' : 'empty'}</span>`;
  const shown = entries.slice(0, MAX_TREE_ITEMS);
  const more = entries.length - shown.length;
  const items = shown
    .map(([key, item]) => {
      const nested = item !== null && typeof item === 'object';
      if (!nested)
        return `<li><span class="k">${escapeHtml(key)}</span> ${renderTree(item, depth + 1)}</li>`;
      const size = Array.isArray(item)
        ? `${item.length} item(s)`
        : `${Object.keys(item).length} field(s)`;
      return `<li><details${depth < 1 ? ' open' : ''}><summary><span class="k">${escapeHtml(key)}</span> <span class="muted">${size}</span></summary>${renderTree(item, depth + 1)}</details></li>`;
    })
    .join('');
  return `<ul class="tree">${items}${more > 0 ? `<li class="muted">… ${more} more</li>` : ''}</ul>`;
}

export function renderRawJson(value: unknown): string {
  return `<details class="raw"><summary>Raw JSON</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;
}
