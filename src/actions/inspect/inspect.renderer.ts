import { escapeHtml } from '../../http/html';
import { kitsuTaskUrl } from '../kitsu-links';
import { renderRawJson, renderTree } from '../result-view';
import type { RenderContext } from '../action.types';
import type { InspectResult, InspectedTask } from './inspect.action';

/** One card per task with the fields people look for first, then every field as a tree. */
export function renderInspectResult(raw: unknown, context: RenderContext): string {
  const result = raw as Partial<InspectResult>;
  const tasks = Array.isArray(result.tasks) ? result.tasks : [];
  const missing = Array.isArray(result.missing) ? result.missing : [];
  const card = (task: InspectedTask) => {
    const href = context.kitsuUrl
      ? kitsuTaskUrl(
          context.kitsuUrl,
          { projectId: task.project.id, episodeId: task.episode?.id ?? null },
          task.entity.type,
          task.id,
        )
      : null;
    const title = [task.sequence?.name, task.entity.name].filter(Boolean).join(' / ');
    const assignees = task.assignees.map((a) => a.fullName).join(', ') || 'nobody';
    return `<details class="panel inspect-task"><summary><strong>${escapeHtml(title)}</strong> · ${escapeHtml(task.taskType.name)} · <span class="badge">${escapeHtml(task.status.shortName || task.status.name)}</span></summary>
<p>${escapeHtml(task.project.name)} · assigned to ${escapeHtml(assignees)}${href ? ` · <a href="${escapeHtml(href)}" target="_blank" rel="noopener">Open in Kitsu</a>` : ''}</p>
${renderTree(task)}</details>`;
  };
  return `<p class="summary">${escapeHtml(result.summary ?? `${tasks.length} task(s)`)}</p>
${missing.length ? `<p class="error">Not found in Kitsu: ${missing.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}</p>` : ''}
${tasks.map(card).join('')}${renderRawJson(raw)}`;
}
