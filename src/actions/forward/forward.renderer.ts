import { escapeHtml } from '../../http/html';
import { registerResultRenderer } from '../../jobs/result-renderers';
import type { DeliveryAttempt } from './forward-delivery';
import type { ForwardResult } from './forward.action';

function deliveryRow(d: Partial<DeliveryAttempt>): string {
  const answer = d.status !== null && d.status !== undefined ? `HTTP ${d.status}` : (d.error ?? '');
  return `<tr><td>${escapeHtml(d.attempt ?? '')}</td><td>${escapeHtml(d.at ?? '')}</td><td>${escapeHtml(answer)}</td><td>${escapeHtml(d.durationMs ?? '')} ms</td><td><code>${escapeHtml(d.answerHead ?? '')}</code></td></tr>`;
}

/** The job page partial of a forward job: the target's message and link, then every delivery. */
export function renderForwardResult(raw: unknown): string {
  const result = (raw ?? {}) as Partial<ForwardResult>;
  const deliveries = Array.isArray(result.deliveries) ? result.deliveries : [];
  const message = result.message
    ? `<blockquote class="target-message">${escapeHtml(result.message)}</blockquote>`
    : '';
  const link =
    typeof result.url === 'string' && /^https?:\/\//i.test(result.url)
      ? `<p><a class="button" href="${escapeHtml(result.url)}" target="_blank" rel="noopener">Open</a></p>`
      : '';
  const table = deliveries.length
    ? `<h3>Deliveries</h3><table class="deliveries"><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Answer</th><th scope="col">Took</th><th scope="col">First bytes</th></tr></thead><tbody>${deliveries.map(deliveryRow).join('')}</tbody></table>`
    : '';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${message}${link}${table}`;
}

registerResultRenderer('forward', (result) => renderForwardResult(result));
