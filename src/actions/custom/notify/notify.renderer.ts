import { escapeHtml } from '../../../http/html';
import { kitsuTaskUrl } from '../../kitsu-links';
import type { RenderContext } from '../../action.types';
import { selectionIndex, selectionItemLabel } from '../../selection-summary';
import type { NotifyResult } from './notify.action';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The job page partial of notify: the comment posted, then each task it went on, by name. */
export function renderNotifyResult(raw: unknown, context: RenderContext): string {
  const result = (raw ?? {}) as Partial<NotifyResult>;
  const commented = strings(result.commented);
  const recovered = new Set(strings(result.recovered));
  const names = selectionIndex(raw);
  const text =
    typeof result.text === 'string' && result.text
      ? `<h3>Comment</h3><blockquote class="comment-text">${escapeHtml(result.text)}</blockquote>`
      : '';
  const row = (taskId: string) => {
    const item = names.get(taskId);
    const label = item
      ? escapeHtml(selectionItemLabel(item))
      : `<code>${escapeHtml(taskId)}</code>`;
    const href =
      item && context.kitsuUrl
        ? kitsuTaskUrl(
            context.kitsuUrl,
            { projectId: item.projectId, episodeId: item.episodeId },
            item.entity.type,
            taskId,
          )
        : null;
    const name = href
      ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${label}</a>`
      : label;
    // A killed attempt had posted it already: found on Kitsu, not posted twice.
    const note = recovered.has(taskId)
      ? ' <span class="muted">(posted by an interrupted attempt, not repeated)</span>'
      : '';
    return `<li data-task-id="${escapeHtml(taskId)}">${name}${note}</li>`;
  };
  const list = commented.length
    ? `<h3>Commented on ${commented.length} task(s)</h3><ul class="commented">${commented.map(row).join('')}</ul>`
    : '<p class="muted">No task was commented.</p>';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${text}${list}`;
}
