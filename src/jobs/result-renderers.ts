import { escapeHtml } from '../http/html';

/**
 * Turns an action's result into an HTML fragment for the job page. It receives the stored
 * result as-is (JSON from Redis), so it must cope with fields that are missing or of another
 * shape, and must escape every value it prints (use `escapeHtml`).
 */
export type ResultRenderer = (result: unknown, context: RenderContext) => string;

/** What a renderer may need besides the result, e.g. to link into Kitsu. */
export interface RenderContext {
  /** Kitsu web app base URL without a trailing slash, or null when KITSU_URL is not set. */
  kitsuUrl: string | null;
  /** Public id of the job being shown. */
  jobId: string;
  /** `?view=<token>` to append to links to this job's own routes (downloads), or ''. */
  viewQuery?: string;
}

const renderers = new Map<string, ResultRenderer>();

/**
 * Registers the result renderer of an action (by its name, without variant). Call it at module
 * load from the action's folder, e.g. `registerResultRenderer('playlist', renderPlaylist)`.
 */
export function registerResultRenderer(action: string, renderer: ResultRenderer): void {
  renderers.set(action, renderer);
}

/** Renders the `details` of an action's FailureExplanation in the job page's failure panel. */
export type FailureRenderer = (details: unknown, context: RenderContext) => string;

const failureRenderers = new Map<string, FailureRenderer>();

/** Registers how an action's failure details look (by its name, without variant). */
export function registerFailureRenderer(action: string, renderer: FailureRenderer): void {
  failureRenderers.set(action, renderer);
}

/** The failure details as HTML, '' when the action has no renderer or it throws. */
export function renderFailureDetails(
  action: string,
  details: unknown,
  context: RenderContext,
): string {
  const renderer = failureRenderers.get(action.split('/')[0]);
  if (!renderer || details === undefined) return '';
  try {
    return renderer(details, context);
  } catch {
    return '';
  }
}

export function resultRendererFor(action: string): ResultRenderer {
  const base = action.split('/')[0];
  return renderers.get(base) ?? renderGenericResult;
}

/**
 * Renders a result with its action's renderer; a renderer that throws falls back to the generic
 * view so a bad result never breaks the page.
 */
export function renderResult(action: string, result: unknown, context: RenderContext): string {
  try {
    return resultRendererFor(action)(result, context);
  } catch {
    return renderGenericResult(result);
  }
}

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
