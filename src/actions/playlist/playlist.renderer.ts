import { escapeHtml } from '../../http/html';
import { kitsuEntityUrl } from '../kitsu-links';
import type { RenderContext } from '../action.types';
import type { AddedEntry, PlaylistOutcome, PlaylistResult } from './playlist.action';

/**
 * A preview's thumbnail as Kitsu serves it (its nginx hands /api to Zou). The browser fetches it
 * with the person's own Kitsu session, so nothing secret passes through this page.
 */
function kitsuThumbnailUrl(kitsuUrl: string, previewFileId: string): string {
  return `${kitsuUrl}/api/pictures/thumbnails/preview-files/${encodeURIComponent(previewFileId)}.png`;
}

function isEntry(value: unknown): value is AddedEntry {
  const entry = value as Partial<AddedEntry> | null;
  return (
    typeof entry?.entityId === 'string' &&
    typeof entry.entityName === 'string' &&
    typeof entry.previewFileId === 'string'
  );
}

function shotCard(entry: AddedEntry, playlist: Partial<PlaylistOutcome>, base: string | null) {
  const name = entry.sequenceName
    ? `${entry.sequenceName} / ${entry.entityName}`
    : entry.entityName;
  const type = typeof entry.entityType === 'string' ? entry.entityType : 'shot';
  const href =
    base && typeof playlist.projectId === 'string'
      ? kitsuEntityUrl(
          base,
          { projectId: playlist.projectId, episodeId: playlist.episodeId ?? null },
          type,
          entry.entityId,
        )
      : null;
  const picture = base
    ? `<img src="${escapeHtml(kitsuThumbnailUrl(base, entry.previewFileId))}" alt="Preview of ${escapeHtml(name)}" loading="lazy" width="160" height="90">`
    : '';
  const title = `<strong>${escapeHtml(name)}</strong>`;
  const caption = `${title}<br><span class="muted">${escapeHtml(entry.taskTypeName ?? '')}</span>`;
  const body = href
    ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${picture}${caption}</a>`
    : `${picture}${caption}`;
  return `<li data-entity-id="${escapeHtml(entry.entityId)}">${body}</li>`;
}

function playlistCard(p: Partial<PlaylistOutcome>, context: RenderContext): string {
  // Only KITSU_URL: the page's security policy lets pictures in from that origin alone.
  const base = context.kitsuUrl;
  const entries = Array.isArray(p.entries) ? p.entries.filter(isEntry) : [];
  const added = typeof p.added === 'number' ? p.added : entries.length;
  const open =
    typeof p.url === 'string' && /^https?:\/\//i.test(p.url)
      ? ` <a class="button" href="${escapeHtml(p.url)}" target="_blank" rel="noopener">Open in Kitsu</a>`
      : '';
  const more =
    added > entries.length && entries.length > 0
      ? `<p class="muted">${added - entries.length} more not listed here: the playlist in Kitsu has them all.</p>`
      : '';
  const shots = entries.length
    ? `<ul class="shots">${entries.map((entry) => shotCard(entry, p, base)).join('')}</ul>${more}`
    : '';
  const forClient = p.forClient === true ? ' · <span data-for-client>for the client</span>' : '';
  return `<div class="panel playlist"><strong>${escapeHtml(p.name ?? '')}</strong> · ${escapeHtml(added)} added${forClient}${open}${shots}</div>`;
}

/**
 * The job page partial of a playlist job: per playlist, its link into Kitsu and the entities
 * added, each with its preview's thumbnail; then what was skipped and why.
 */
export function renderPlaylistResult(
  raw: unknown,
  context: RenderContext = { kitsuUrl: null, jobId: '' },
): string {
  const result = (raw ?? {}) as Partial<PlaylistResult>;
  const playlists = Array.isArray(result.playlists) ? result.playlists : [];
  const skipped = [
    ...playlists.flatMap((p) => (Array.isArray(p.skipped) ? p.skipped : [])),
    ...(Array.isArray(result.skipped) ? result.skipped : []),
  ];
  const missing = Array.isArray(result.missing) ? result.missing : [];
  const cards = playlists.map((p) => playlistCard(p, context)).join('');
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
