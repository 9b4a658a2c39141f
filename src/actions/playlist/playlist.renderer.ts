import { escapeHtml } from '../../http/html';
import { registerResultRenderer } from '../../jobs/result-renderers';
import type { PlaylistResult } from './playlist.action';

/** The job page partial of a playlist job: a button per playlist to open it in Kitsu. */
export function renderPlaylistResult(raw: unknown): string {
  const result = (raw ?? {}) as Partial<PlaylistResult>;
  const playlists = Array.isArray(result.playlists) ? result.playlists : [];
  const skipped = [
    ...playlists.flatMap((p) => (Array.isArray(p.skipped) ? p.skipped : [])),
    ...(Array.isArray(result.skipped) ? result.skipped : []),
  ];
  const missing = Array.isArray(result.missing) ? result.missing : [];
  const cards = playlists
    .map(
      (p) =>
        `<div class="panel playlist"><strong>${escapeHtml(p.name)}</strong> · ${escapeHtml(p.added)} added${
          p.url
            ? ` <a class="button" href="${escapeHtml(p.url)}" target="_blank" rel="noopener">Open in Kitsu</a>`
            : ''
        }</div>`,
    )
    .join('');
  const skippedList = skipped.length
    ? `<h2>Skipped</h2><table><tr><th>Entity</th><th>Task type</th><th>Why</th></tr>${skipped
        .map(
          (s) =>
            `<tr><td>${escapeHtml(s.entityName ?? s.taskId)}</td><td>${escapeHtml(s.taskType ?? '')}</td><td>${escapeHtml(s.reason)}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const missingList = missing.length
    ? `<p class="error">Not found in Kitsu: ${missing.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}</p>`
    : '';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${cards}${skippedList}${missingList}`;
}

registerResultRenderer('playlist', (result) => renderPlaylistResult(result));
