import { escapeHtml } from '../../http/html';
import { registerResultRenderer, renderRawJson } from '../../jobs/result-renderers';
import type { RenderResult, RenderedTask } from './render.action';

/** A row per task: farm job (linked), frames, state, and a link to its first tracking poll. */
export function renderRenderResult(raw: unknown): string {
  const result = raw as Partial<RenderResult>;
  const tasks = Array.isArray(result.tasks) ? result.tasks : [];
  const row = (task: RenderedTask) => {
    const job = task.farmJobId
      ? task.url
        ? `<a href="${escapeHtml(task.url)}" target="_blank" rel="noopener">${escapeHtml(task.farmJobId)}</a>`
        : escapeHtml(task.farmJobId)
      : '—';
    const tracking = task.trackingJobId
      ? `<a href="/jobs/${escapeHtml(task.trackingJobId)}">tracking</a>`
      : '';
    return `<tr><td>${escapeHtml(task.name)}</td><td>${job}</td><td>${escapeHtml(task.frames ?? '—')}</td><td>${escapeHtml(task.state)}${task.message ? `: ${escapeHtml(task.message)}` : ''}</td><td>${tracking}</td></tr>`;
  };
  return `<p class="summary">${escapeHtml(result.summary ?? `${tasks.length} task(s)`)}</p>
<table><thead><tr><th>Task</th><th>Farm job</th><th>Frames</th><th>State</th><th></th></tr></thead>
<tbody>${tasks.map(row).join('')}</tbody></table>${renderRawJson(raw)}`;
}

registerResultRenderer('render', renderRenderResult);
