import { escapeHtml } from '../../http/html';
import { selectionIndex, selectionItemLabel } from '../selection-summary';
import { schemeOf } from './launch-template';
import type { LaunchLink, LaunchResult } from './launch.action';

/** Schemes a stored result must never turn into a link, whatever wrote it. */
const NEVER_LINKED = new Set(['javascript', 'data', 'vbscript', 'file']);

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The links of a result; results stored before `links` existed have only `urls`. */
function linksOf(result: Partial<LaunchResult>): LaunchLink[] {
  if (Array.isArray(result.links)) {
    return result.links.filter(
      (link): link is LaunchLink => typeof link?.url === 'string' && typeof link.label === 'string',
    );
  }
  const urls = strings(result.urls);
  return urls.map((url, index) => ({
    url,
    label: urls.length > 1 ? `link ${index + 1}` : 'link',
    taskIds: [],
  }));
}

/**
 * "Open in Blender: SQ01 / SH010 · Anim" for a launcher labelled as a verb ("Open in Blender",
 * "Play in RV"), "Open SQ01 / SH010 · Anim in Review tool" for one named as a tool.
 */
export function buttonText(what: string, tool: string): string {
  const verb = /^(open|play|show|view|edit|launch|start|browse)\b/i.test(tool.trim());
  return verb ? `${tool}: ${what}` : `Open ${what} in ${tool}`;
}

function button(link: LaunchLink, tool: string, isOpenUrl: boolean): string {
  const scheme = schemeOf(link.url);
  if (!scheme || NEVER_LINKED.has(scheme)) {
    return `<li><span class="muted">${escapeHtml(link.label)}: not a link that may be opened</span></li>`;
  }
  // A web page opens in its own tab so this page and the other buttons stay; a desktop tool's
  // link is handed over by the browser and leaves the page as it is.
  const web = scheme === 'http' || scheme === 'https';
  const target = web ? ' target="_blank" rel="noopener"' : '';
  const auto = isOpenUrl ? ' <span class="muted">(opened when the job finished)</span>' : '';
  return `<li><a class="button launch-link" href="${escapeHtml(link.url)}"${target} data-url="${escapeHtml(link.url)}">${escapeHtml(buttonText(link.label, tool))}</a>${auto}</li>`;
}

/** The job page partial of a launch job: one button per URL, labelled by what it opens. */
export function renderLaunchResult(raw: unknown): string {
  const result = (raw ?? {}) as Partial<LaunchResult>;
  const tool =
    typeof result.launcherLabel === 'string' && result.launcherLabel
      ? result.launcherLabel
      : typeof result.launcher === 'string' && result.launcher
        ? result.launcher
        : 'the tool';
  const links = linksOf(result);
  const openUrl = typeof result.openUrl === 'string' ? result.openUrl : null;
  const names = selectionIndex(raw);
  const named = (id: string) => {
    const item = names.get(id);
    return item ? escapeHtml(selectionItemLabel(item)) : `<code>${escapeHtml(id)}</code>`;
  };
  const skipped = strings(result.skipped);
  const missing = strings(result.missing);
  const hint =
    links.length > 1
      ? `<p class="muted">${links.length} links: each opens when you press its button.</p>`
      : '';
  const list = links.length
    ? `<ul class="launch-links">${links.map((link) => button(link, tool, link.url === openUrl)).join('')}</ul>`
    : '<p class="muted">Nothing to open.</p>';
  const skippedList = skipped.length
    ? `<p>Skipped (${escapeHtml(tool)} does not take their entity type): ${skipped.map(named).join(', ')}</p>`
    : '';
  const missingList = missing.length
    ? `<p class="error">Not found in Kitsu: ${missing.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}</p>`
    : '';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${hint}${list}${skippedList}${missingList}`;
}
