import { escapeHtml, page } from '../http/html';
import { FINAL_STATES, type JobView } from './jobs.service';

/**
 * The job page a form-mode click lands on. Until the job ends it reloads itself, so it works
 * without JavaScript.
 */
export function renderJobPage(job: JobView): string {
  const running = !FINAL_STATES.includes(job.state);
  const refresh = running ? '<meta http-equiv="refresh" content="2">' : '';
  const rows: Array<[string, string]> = [
    ['State', `<strong data-state="${escapeHtml(job.state)}">${escapeHtml(job.state)}</strong>`],
    [
      'Progress',
      `${job.progress.percent}%${job.progress.message ? ` · ${escapeHtml(job.progress.message)}` : ''}`,
    ],
    ['Requested by', escapeHtml(job.request.personEmail)],
    ['Tasks', String(job.request.taskIds.length)],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Created', escapeHtml(job.createdAt)],
    ['Finished', escapeHtml(job.finishedAt ?? '—')],
  ];
  const failure = job.failedReason
    ? `<div class="panel"><h2 class="error">Why it failed</h2><p>${escapeHtml(job.failedReason)}</p></div>`
    : '';
  const result =
    job.result !== null
      ? `<div class="panel"><h2>Result</h2><pre>${escapeHtml(JSON.stringify(job.result, null, 2))}</pre></div>`
      : '';
  return page(
    `${job.action} · ${job.state}`,
    `<h1>${escapeHtml(job.action)}</h1>
<div class="panel"><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></div>
${failure}${result}`,
    refresh,
  );
}
