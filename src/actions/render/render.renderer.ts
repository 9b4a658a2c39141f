import { escapeHtml } from '../../http/html';
import { kitsuTaskUrl } from '../kitsu-links';
import { renderRawJson } from '../result-view';
import type { RenderContext } from '../action.types';
import type { RenderResult, RenderedTask } from './render.action';
import { renderTaskPhase, type RenderTaskPhase } from './render-live-status';

/** Groups of the task table, in the order a supervisor needs them: trouble first, done last. */
const GROUPS: Array<{
  key: string;
  label: string;
  phases: RenderTaskPhase[];
  /** Open unless it is long: a thousand rendered rows would bury the rest. */
  open: 'always' | 'when-short';
}> = [
  { key: 'failed', label: 'Failed', phases: ['failed', 'not-submitted'], open: 'always' },
  {
    key: 'rendering',
    label: 'Rendering',
    phases: ['rendering', 'queued', 'paused'],
    open: 'always',
  },
  { key: 'unfollowed', label: 'Not followed to the end', phases: ['unfollowed'], open: 'always' },
  { key: 'canceled', label: 'Canceled', phases: ['canceled'], open: 'when-short' },
  { key: 'completed', label: 'Rendered', phases: ['completed'], open: 'when-short' },
];
const SHORT_GROUP = 20;

const STATE_TEXT: Partial<Record<string, string>> = {
  'not-submitted': 'not submitted',
  'task-gone': 'task gone from Kitsu',
};

function taskCell(task: RenderedTask, kitsuUrl: string | null): string {
  const place = task.kitsu;
  const label = place ? `${place.entityName} · ${place.taskTypeName}` : task.name;
  const href =
    kitsuUrl && place ? kitsuTaskUrl(kitsuUrl, place, place.entityType, task.taskId) : null;
  const name = href
    ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`
    : escapeHtml(label);
  // The farm job's own name, as the farm lists it, under the Kitsu name.
  const farmName =
    place && task.name !== label ? `<br><small class="muted">${escapeHtml(task.name)}</small>` : '';
  return `${name}${farmName}`;
}

function stateCell(task: RenderedTask, phase: RenderTaskPhase): string {
  const running = phase === 'rendering' || phase === 'queued' || phase === 'paused';
  const progress =
    running && typeof task.progress === 'number' && task.progress > 0
      ? ` ${Math.round(task.progress)}%`
      : '';
  const followed = phase === 'unfollowed' ? ' <span class="muted">(not followed)</span>' : '';
  const message = task.message ? `<br><small>${escapeHtml(task.message)}</small>` : '';
  return `<span class="render-state">${escapeHtml(STATE_TEXT[task.state] ?? task.state)}${progress}</span>${followed}${message}`;
}

function row(task: RenderedTask, context: RenderContext): string {
  const phase = renderTaskPhase(task);
  const job = task.farmJobId
    ? task.url
      ? `<a href="${escapeHtml(task.url)}" target="_blank" rel="noopener">${escapeHtml(task.farmJobId)}</a>`
      : escapeHtml(task.farmJobId)
    : '—';
  // The tracking poll's page opens with this page's own link (the render's ?view= token).
  const tracking = task.trackingJobId
    ? `<a href="/jobs/${escapeHtml(task.trackingJobId)}${escapeHtml(context.viewQuery ?? '')}">tracking</a>`
    : '';
  return `<tr data-task-id="${escapeHtml(task.taskId)}" data-state="${escapeHtml(task.state)}" data-phase="${phase}"><td>${taskCell(task, context.kitsuUrl)}</td><td>${job}</td><td>${escapeHtml(task.frames ?? '—')}</td><td>${stateCell(task, phase)}</td><td>${tracking}</td></tr>`;
}

const TABLE_HEAD = `<colgroup><col class="c-task"><col class="c-job"><col class="c-frames"><col class="c-state"><col class="c-track"></colgroup>
<thead><tr><th scope="col">Task</th><th scope="col">Farm job</th><th scope="col">Frames</th><th scope="col">State</th><th scope="col"><span class="sr-only">Tracking</span></th></tr></thead>`;

// Fixed columns so a thousand rows keep their shape; long names wrap instead of squeezing.
const RENDER_CSS = `<style>
.render-group{margin:.6rem 0}.render-group>summary{font-weight:700;padding:.2rem 0}
.render-tasks{table-layout:fixed;width:100%;border-collapse:collapse}
.render-tasks td,.render-tasks th{overflow-wrap:anywhere;vertical-align:top;text-align:left;padding:.25rem .4rem}
.render-tasks .c-task{width:34%}.render-tasks .c-job{width:20%}.render-tasks .c-frames{width:11%}
.render-tasks .c-state{width:25%}.render-tasks .c-track{width:10%}
.render-tasks tbody tr:nth-child(even){background:var(--bg)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
</style>`;

/** The tasks grouped by where their render stands (failed, rendering, ..., rendered). */
export function renderRenderResult(raw: unknown, context: RenderContext): string {
  const result = raw as Partial<RenderResult>;
  const tasks = Array.isArray(result.tasks) ? result.tasks : [];
  const groups = GROUPS.map((group) => {
    const members = tasks.filter((task) => group.phases.includes(renderTaskPhase(task)));
    if (members.length === 0) return '';
    const open = group.open === 'always' || members.length <= SHORT_GROUP ? ' open' : '';
    return `<details class="render-group" data-key="render-${group.key}" data-group="${group.key}"${open}><summary>${group.label} <span class="count">(${members.length})</span></summary>
<table class="render-tasks">${TABLE_HEAD}<tbody>${members.map((task) => row(task, context)).join('')}</tbody></table></details>`;
  }).join('');
  return `${RENDER_CSS}<p class="summary">${escapeHtml(result.summary ?? `${tasks.length} task(s)`)}</p>
${groups}${renderRawJson(raw)}`;
}
