import { escapeHtml } from '../../http/html';
import type { DeliveryAttempt } from './forward-delivery';
import type { ForwardFailureDetails, ForwardResult } from './forward.action';
import type { ForwarderState } from './forwarder-health';

/** What of an answer body the page shows: its start, on one line, bounded. */
const EXCERPT_CHARS = 300;

function excerpt(text: unknown): string {
  if (typeof text !== 'string') return '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
}

function answerOf(d: Partial<DeliveryAttempt>): string {
  return typeof d.status === 'number' ? `HTTP ${d.status}` : (d.error ?? '');
}

/**
 * Delivery numbers as kept, or their positions when kept numbers repeat (jobs from before
 * numbering went on across retries): each row has its own number either way.
 */
function rowNumbers(deliveries: Partial<DeliveryAttempt>[]): number[] {
  const kept = deliveries.map((d) => d.attempt);
  const increasing = kept.every(
    (n, i) => typeof n === 'number' && (i === 0 || n > (kept[i - 1] as number)),
  );
  return increasing ? (kept as number[]) : deliveries.map((_d, i) => i + 1);
}

function deliveriesTable(raw: unknown): string {
  const deliveries = (Array.isArray(raw) ? raw : []) as Partial<DeliveryAttempt>[];
  if (!deliveries.length) return '';
  const numbers = rowNumbers(deliveries);
  const rows = deliveries.map((d, i) => {
    const previous = deliveries[i - 1];
    // A run attempt that does not follow the previous row's: the job was retried (a new run).
    const newRun =
      i > 0 &&
      typeof d.runAttempt === 'number' &&
      typeof previous?.runAttempt === 'number' &&
      d.runAttempt <= previous.runAttempt;
    const ofLimit =
      typeof d.runAttempt === 'number' && typeof d.attemptLimit === 'number'
        ? `${d.runAttempt} of ${d.attemptLimit}${newRun ? ' (new run)' : ''}`
        : '';
    const ok = typeof d.status === 'number' && d.status >= 200 && d.status < 300;
    const said = d.message
      ? `<q>${escapeHtml(excerpt(d.message))}</q>`
      : d.answerHead
        ? `<code>${escapeHtml(excerpt(d.answerHead))}</code>`
        : '';
    return `<tr data-attempt="${numbers[i]}" class="${ok ? 'delivered' : 'undelivered'}${newRun ? ' new-run' : ''}"><th scope="row">${numbers[i]}</th><td class="of-limit">${escapeHtml(ofLimit)}</td><td>${escapeHtml(d.at ?? '')}</td><td class="answer">${escapeHtml(answerOf(d))}</td><td>${escapeHtml(d.durationMs ?? '')} ms</td><td class="said">${said}</td></tr>`;
  });
  return `<h3>Deliveries</h3><table class="deliveries"><thead><tr><th scope="col">#</th><th scope="col">Attempt</th><th scope="col">At</th><th scope="col">Answer</th><th scope="col">Took</th><th scope="col">The target said</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The job page partial of a forward job: the target's message and link, then every delivery. */
export function renderForwardResult(raw: unknown): string {
  const result = (raw ?? {}) as Partial<ForwardResult>;
  const message = result.message
    ? `<blockquote class="target-message">${escapeHtml(result.message)}</blockquote>`
    : '';
  const link =
    typeof result.url === 'string' && /^https?:\/\//i.test(result.url)
      ? `<p><a class="button" href="${escapeHtml(result.url)}" target="_blank" rel="noopener">Open</a></p>`
      : '';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${message}${link}${deliveriesTable(result.deliveries)}`;
}

/**
 * The failure panel's part of a failed forward: who refused and with what status, what it said
 * (its JSON `message`, or the start of its body), then every delivery attempt in order.
 */
export function renderForwardFailure(raw: unknown): string {
  const details = (raw ?? {}) as Partial<ForwardFailureDetails>;
  const who = `${escapeHtml(details.label ?? details.forwarder ?? 'The target')} <span class="muted">(${escapeHtml(details.target ?? '')})</span>`;
  const answer =
    typeof details.status === 'number'
      ? `answered <strong id="target-status">HTTP ${escapeHtml(details.status)}</strong>`
      : `gave no answer: <strong id="target-status">${escapeHtml(details.error ?? 'unknown error')}</strong>`;
  const said = details.message
    ? `<blockquote class="target-message" id="target-message">${escapeHtml(excerpt(details.message))}</blockquote>`
    : details.answerHead
      ? `<p>Its answer began with:</p><pre class="target-excerpt" id="target-message">${escapeHtml(excerpt(details.answerHead))}</pre>`
      : '';
  return `<div class="target-answer"><h3>What the studio's service answered</h3><p>${who} ${answer}.</p>${said}</div>${deliveriesTable(details.deliveries)}`;
}

/** The job list's warning about forwarders that keep failing; '' when none does. */
export function renderUnstableForwarders(unstable: ForwarderState[]): string {
  if (!unstable.length) return '';
  const items = unstable
    .map(
      (f) =>
        `<li><strong>${escapeHtml(f.name)}</strong>: ${f.failuresInARow} failed deliveries in a row${f.lastError ? ` (last: ${escapeHtml(f.lastError)})` : ''}</li>`,
    )
    .join('');
  return `<section class="panel failure" role="alert"><h2 class="error">Unstable forwarder(s)</h2><ul>${items}</ul></section>`;
}
