import { escapeHtml, page } from '../http/html';
import { kitsuEntityUrl, kitsuTaskTypeUrl, kitsuTaskUrl } from '../actions/kitsu-links';
import type { ActionHandler } from '../actions/action.types';
import { summaryOf } from '../actions/result-view';
import { renderFailureDetails, renderResult } from './result-renderers';
import {
  MAX_SELECTION_ITEMS,
  selectionProjects,
  type SelectionItem,
} from '../actions/selection-summary';
import { FINAL_STATES, type JobSummary, type JobView } from './jobs.service';

export interface JobPageOptions {
  kitsuUrl: string | null;
  canRetry: boolean;
  /** `?view=<token>` when the page was opened with one: links from the page carry it on. */
  viewQuery?: string;
  /** The job's action, whose view hooks show its result and failure; absent: the generic view. */
  handler?: ActionHandler;
}

const STATE_LABELS: Record<string, string> = {
  waiting: 'Waiting',
  'waiting-children': 'Waiting',
  prioritized: 'Waiting',
  delayed: 'Waiting to retry',
  active: 'Running',
  completed: 'Done',
  failed: 'Failed',
  unknown: 'Unknown',
};

export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? state;
}

function when(iso: string | null): string {
  if (!iso) return '—';
  // Server-side text is UTC; the script rewrites it in the viewer's time zone.
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').slice(0, 19))} UTC</time>`;
}

function badge(
  state: string,
  live: JobView['live'] = null,
  failedReason: string | null = null,
): string {
  // Work going on after the job ended (renders on the farm) names itself and, once ended, its outcome.
  const tone = live?.phase === 'ended' ? ` tone-${escapeHtml(live.tone)}` : '';
  const outcome = live
    ? ` data-phase="${escapeHtml(live.phase)}" data-tone="${escapeHtml(live.tone)}"`
    : '';
  return `<span class="badge state-${escapeHtml(state)}${tone}" data-state="${escapeHtml(state)}"${outcome}>${escapeHtml(live?.label ?? (state === 'delayed' && !failedReason ? 'Scheduled' : stateLabel(state)))}</span>`;
}

/**
 * Failure reasons as stored are written for developers; these say the same to a supervisor.
 * Unknown reasons are shown as they are.
 */
const PLAIN_REASONS: Array<[RegExp, string]> = [
  [
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|socket hang up/i,
    'Kitsu (or a service it needs) could not be reached.',
  ],
  [/ETIMEDOUT|timed? ?out/i, 'A service took too long to answer.'],
  [
    /\b401\b|unauthori[sz]ed|token/i,
    'This service is not allowed into Kitsu (its access token was refused).',
  ],
  [/\b403\b|forbidden/i, 'Kitsu refused: the account used has no right to do this.'],
  [/\b404\b|not found/i, 'Something selected no longer exists in Kitsu.'],
  [/stalled|lock/i, 'The worker running it stopped before finishing.'],
  [/No handler for action/i, 'No worker knows how to run this action.'],
];

export function plainReason(reason: string): string | null {
  for (const [pattern, text] of PLAIN_REASONS) if (pattern.test(reason)) return text;
  return null;
}

function progressBar(job: JobView): string {
  const percent = Math.max(0, Math.min(100, Math.round(job.progress.percent)));
  // A job that ended says so on its bar (a failed one in the danger colour), whatever it reached.
  const ended = FINAL_STATES.includes(job.state) ? ` data-ended="${escapeHtml(job.state)}"` : '';
  return `<div class="progress-row">
<div class="bar" id="bar" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${percent}"${ended}><span style="width:${percent}%"></span></div>
<span id="percent" class="percent">${percent}%</span>
</div>
<p id="progress-message" class="muted" aria-live="polite">${escapeHtml(job.progress.message ?? '')}</p>`;
}

function selectionPanel(job: JobView, kitsuUrl: string | null): string {
  const items = job.selection;
  const count = job.request.taskIds.length;
  if (!items) {
    // The tasks' own entity types (learnt at intake), never Kitsu's page guess `entitytype`.
    const types = job.entityTypes?.length ? ` · ${escapeHtml(job.entityTypes.join(', '))}` : '';
    // Names come with the result; a job still at work may yet bring them, an ended one will not.
    const note = FINAL_STATES.includes(job.state)
      ? ''
      : ' <span class="muted">Names appear when the action has read them from Kitsu.</span>';
    return `<section class="panel" aria-labelledby="sel-h"><h2 id="sel-h">Selection</h2><p>${count} task(s)${types}.${note}</p></section>`;
  }
  const link = (href: string | null, label: string) =>
    href
      ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`
      : escapeHtml(label);
  const row = (item: SelectionItem) => {
    const place = { projectId: item.projectId, episodeId: item.episodeId };
    const type = item.entity.type;
    const sequence = item.sequenceName
      ? `<span class="muted">${escapeHtml(item.sequenceName)} / </span>`
      : '';
    return `<tr data-selected-task="${escapeHtml(item.taskId)}"><td>${sequence}${link(kitsuUrl && kitsuEntityUrl(kitsuUrl, place, type, item.entity.id), item.entity.name)}</td><td class="muted">${escapeHtml(type)}</td><td>${link(kitsuUrl && kitsuTaskTypeUrl(kitsuUrl, place, type, item.taskType.id), item.taskType.name)}</td><td>${link(kitsuUrl && kitsuTaskUrl(kitsuUrl, place, type, item.taskId), 'Open task')}</td></tr>`;
  };
  // Results name at most MAX_SELECTION_ITEMS tasks, and only those Kitsu knows.
  const unnamed = count - items.length;
  const more =
    unnamed > 0
      ? `<p class="muted">${unnamed} more task(s) not listed: not found in Kitsu${count > MAX_SELECTION_ITEMS ? `, or beyond the first ${MAX_SELECTION_ITEMS}` : ''}.</p>`
      : '';
  const projects = selectionProjects(items);
  const where = projects ? ` in ${escapeHtml(projects)}` : '';
  return `<section class="panel" aria-labelledby="sel-h"><h2 id="sel-h">Selection <span class="muted" id="selection-count">${count} task(s)${where}</span></h2>${more}
<table class="selection"><thead><tr><th scope="col">Entity</th><th scope="col">Type</th><th scope="col">Task type</th><th scope="col">Task</th></tr></thead><tbody>${items.map(row).join('')}</tbody></table></section>`;
}

/** The options the job runs with (a retry runs with them too). */
function optionsPanel(job: JobView): string {
  if (!job.options?.length) return '';
  const shown = (value: unknown) => {
    if (value === '') return '<span class="muted">(empty)</span>';
    if (Array.isArray(value)) {
      return value.length ? escapeHtml(value.join(', ')) : '<span class="muted">(none)</span>';
    }
    const text = escapeHtml(value === true ? 'yes' : value === false ? 'no' : String(value));
    // Several lines of text (a textarea) keep their line breaks.
    return text.replace(/\n/g, '<br>');
  };
  return `<section class="panel" aria-labelledby="opt-h"><h2 id="opt-h">Options</h2><dl class="facts" id="job-options">${job.options
    .map(
      (option) =>
        `<div data-option="${escapeHtml(option.name)}"><dt>${escapeHtml(option.label)}</dt><dd>${option.valueLabel ? escapeHtml(option.valueLabel) : shown(option.value)}</dd></div>`,
    )
    .join('')}</dl></section>`;
}

function failurePanel(job: JobView, options: JobPageOptions): string {
  if (job.state !== 'failed' && !(job.failedReason && job.state === 'delayed')) return '';
  const reason = job.failedReason ?? 'No reason was recorded.';
  // The action's own account (a forwarder's answer) beats the generic words, which mean Kitsu.
  const plain = job.failure?.plain ?? plainReason(reason);
  const retrying = job.state === 'delayed';
  const details = job.failure
    ? renderFailureDetails(options.handler, job.failure.details, {
        kitsuUrl: options.kitsuUrl,
        jobId: job.id,
        viewQuery: options.viewQuery,
      })
    : '';
  // Everything the runs logged, in order: what succeeded as well as what failed.
  const happened = job.logs.length
    ? `<h3>What happened</h3><ol class="log" id="what-happened">${job.logs.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ol>`
    : '';
  const retry =
    !retrying && options.canRetry
      ? `<form method="post" action="/jobs/${escapeHtml(job.id)}/retry${escapeHtml(options.viewQuery ?? '')}" class="retry"><button type="submit" class="button">Retry</button></form>`
      : '';
  return `<section class="panel failure" role="alert" aria-labelledby="fail-h">
<h2 id="fail-h" class="error">${retrying ? `Attempt ${job.attempts} of ${job.maxAttempts} failed; it will be tried again` : `${escapeHtml(job.action)} failed`}</h2>
${plain ? `<p class="plain">${escapeHtml(plain)}</p>` : ''}
<p>Reason: <span id="failed-reason">${escapeHtml(reason)}</span></p>
<p class="muted">${job.attempts} of ${job.maxAttempts} attempt(s) made.</p>
${details}${happened}${retry}</section>`;
}

function resultPanel(job: JobView, { kitsuUrl, viewQuery = '', handler }: JobPageOptions): string {
  if (job.result === null || job.result === undefined) return '';
  return `<section class="panel" aria-labelledby="res-h"><h2 id="res-h">Result</h2>
<div class="result result-${escapeHtml(job.action.split('/')[0])}">${renderResult(handler, job.result, { kitsuUrl, jobId: job.id, viewQuery })}</div></section>`;
}

/** The part of the page the script swaps in when the job changes. */
export function renderJobBody(job: JobView, options: JobPageOptions): string {
  const running = !FINAL_STATES.includes(job.state);
  const summary = summaryOf(job.result);
  return `<div id="job" data-job-id="${escapeHtml(job.id)}" data-state="${escapeHtml(job.state)}" data-final="${running ? 'false' : 'true'}">
<div class="title-row"><h1>${escapeHtml(job.title)} <span class="muted action-name">${escapeHtml(job.action)}</span></h1>${badge(job.state, job.live, job.failedReason)}</div>
${summary ? `<p class="lead">${escapeHtml(summary)}</p>` : ''}
${openButton(job)}
<section class="panel" aria-label="Status">
${progressBar(job)}
<dl class="facts">
<div><dt>Run by</dt><dd>${escapeHtml(job.request.personEmail || job.request.personId)}</dd></div>
<div><dt>Requested</dt><dd>${when(job.createdAt)}</dd></div>
<div><dt>Started</dt><dd>${when(job.startedAt)}</dd></div>
<div><dt>Finished</dt><dd>${when(job.finishedAt)}</dd></div>
<div><dt>Attempts</dt><dd>${job.attempts} of ${job.maxAttempts}</dd></div>
<div><dt>Job</dt><dd><code>${escapeHtml(job.id)}</code></dd></div>
</dl>
</section>
${optionsPanel(job)}
${failurePanel(job, options)}
${resultPanel(job, options)}
${selectionPanel(job, options.kitsuUrl)}
${job.logs.length && job.state !== 'failed' ? `<details class="panel"><summary>Log (${job.logs.length})</summary><ul class="log">${job.logs.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul></details>` : ''}
</div>`;
}

/**
 * A launch result's `openUrl` (already checked against the scheme allowlist by the action): the
 * page goes there once when the job completes, and this button stays for browsers that block it.
 */
function openButton(job: JobView): string {
  const result = job.result as { openUrl?: unknown; links?: unknown } | null;
  if (job.state !== 'completed' || !result || typeof result.openUrl !== 'string') return '';
  const openUrl = result.openUrl;
  // Labelled by what it opens when the result says (launch `links`).
  const link = Array.isArray(result.links)
    ? (result.links as Array<{ url?: unknown; label?: unknown }>).find((l) => l?.url === openUrl)
    : undefined;
  const label = typeof link?.label === 'string' && link.label ? `Open ${link.label}` : 'Open';
  return `<p><a id="open-url" class="button" href="${escapeHtml(openUrl)}">${escapeHtml(label)}</a></p>`;
}

/**
 * The job page a form-mode click lands on. With JavaScript it follows the job over Server-Sent
 * Events (polling when they are unavailable) and swaps its content in place; without it, a
 * meta refresh reloads it every few seconds until the job ends.
 */
export function renderJobPage(job: JobView, options: JobPageOptions): string {
  const running = !FINAL_STATES.includes(job.state);
  const head = `${running ? '<noscript><meta http-equiv="refresh" content="3"></noscript>' : ''}<style>${JOB_CSS}</style>`;
  return page(
    `${job.action} · ${job.live?.label ?? stateLabel(job.state)}`,
    `${renderJobBody(job, options)}<script>${JOB_SCRIPT}</script>`,
    head,
  );
}

/** `notices`: HTML panels the actions put above the list (see ActionHandler.jobListNotice). */
export function renderJobListPage(
  jobs: JobSummary[],
  person: string | null,
  notices: string[] = [],
): string {
  const warning = notices.join('');
  const rows = jobs
    .map(
      (job) =>
        `<tr><td><a href="/jobs/${escapeHtml(job.id)}">${escapeHtml(job.action)}</a></td><td>${badge(job.state, job.live)}</td><td>${escapeHtml(job.personEmail || job.personId)}</td><td>${job.taskCount}</td><td>${when(job.createdAt)}</td></tr>`,
    )
    .join('');
  const filter = `<form method="get" action="/jobs" class="filter"><label for="person">Person (id or email)</label> <input id="person" name="person" value="${escapeHtml(person ?? '')}"> <button type="submit" class="button">Filter</button>${person ? ' <a href="/jobs">Everyone</a>' : ''}</form>`;
  return page(
    'Recent jobs',
    `<h1>Recent jobs${person ? ` of ${escapeHtml(person)}` : ''}</h1>${warning}${filter}
<section class="panel">${
      jobs.length
        ? `<table><thead><tr><th scope="col">Action</th><th scope="col">State</th><th scope="col">Run by</th><th scope="col">Tasks</th><th scope="col">Requested</th></tr></thead><tbody>${rows}</tbody></table>`
        : '<p class="muted">No jobs yet.</p>'
    }</section><script>${TIME_SCRIPT}</script>`,
    `<style>${JOB_CSS}</style>`,
  );
}

const JOB_CSS = `
.title-row{display:flex;align-items:center;gap:.8rem;flex-wrap:wrap}.title-row h1{margin:.2rem 0}.action-name{font-size:.9rem;font-weight:400}
.lead{font-size:1.05rem;margin:.2rem 0 1rem}
.badge{display:inline-block;padding:.15rem .6rem;border-radius:999px;font-size:.85rem;font-weight:700;background:var(--border);color:var(--text)}
.state-active{background:#3273dc;color:#fff}.state-completed{background:#00814a;color:#fff}.state-failed{background:#c0392b;color:#fff}
.state-delayed{background:#8a6100;color:#fff}
.badge.tone-warning{background:#8a6100;color:#fff}.badge.tone-danger{background:#c0392b;color:#fff}.badge.tone-neutral{background:#5a6270;color:#fff}
.progress-row{display:flex;align-items:center;gap:.8rem}
.bar{flex:1;height:.7rem;background:var(--bg);border:1px solid var(--border);border-radius:999px;overflow:hidden}
.bar span{display:block;height:100%;background:var(--accent);transition:width .3s}
.bar[data-ended="failed"] span{background:var(--danger)}
.percent{min-width:3.5rem;text-align:right;font-variant-numeric:tabular-nums}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.6rem 1.2rem;margin:.8rem 0 0}
.facts dt{color:var(--muted);font-size:.85rem}.facts dd{margin:0}
.failure{border-left:4px solid var(--danger)}.plain{font-size:1.05rem}
.panel>h2:first-child,.panel>h2:first-of-type{margin-top:0}
.button{font:inherit;padding:.4rem 1rem;border-radius:4px;border:1px solid #00814a;background:#00814a;color:#fff;cursor:pointer;font-weight:700;text-decoration:none;display:inline-block}
.button:focus-visible,a:focus-visible,summary:focus-visible,input:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.tree{list-style:none;margin:0;padding-left:1.1rem;border-left:1px dotted var(--border)}.tree>li{padding:.1rem 0}
.k{color:var(--muted);font-weight:600}.k::after{content:':'}.v-number{font-variant-numeric:tabular-nums}
.v-boolean{font-style:italic}summary{cursor:pointer}.raw{margin-top:.8rem}
.log{margin:.4rem 0;padding-left:1.2rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
ol.log{padding-left:2.2rem}
.launch-links{list-style:none;margin:.6rem 0;padding:0;display:flex;flex-direction:column;align-items:flex-start;gap:.4rem}
.shots{list-style:none;margin:.6rem 0 0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem}
.shots li{border:1px solid var(--border);border-radius:4px;padding:.3rem;font-size:.9rem}
.shots img{display:block;width:100%;aspect-ratio:16/9;object-fit:cover;background:var(--bg);border-radius:2px}
.filter{margin-bottom:1rem}.filter input{font:inherit;padding:.3rem .5rem;border:1px solid var(--border);border-radius:4px;background:var(--panel);color:var(--text)}
@media (prefers-color-scheme:dark){.state-completed{background:#00a35c}}
@media (prefers-reduced-motion:reduce){.bar span{transition:none}}
`;

// Shows the UTC times of the page in the viewer's own time zone.
const TIME_SCRIPT = `document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d))t.textContent=d.toLocaleString();});`;

/**
 * Follows the job: progress events move the bar at once; any state change re-fetches the page
 * and swaps #job in place. EventSource missing or failing falls back to polling every 2 s.
 */
const JOB_SCRIPT = `(function(){
${TIME_SCRIPT}
function openOnce(){var a=document.getElementById('open-url');if(!a)return;
var key='opened:'+document.getElementById('job').dataset.jobId;
try{if(sessionStorage.getItem(key))return;sessionStorage.setItem(key,'1');}catch(e){}
location.href=a.href;}
var root=document.getElementById('job');if(!root)return;if(root.dataset.final==='true'){openOnce();return;}
var id=root.dataset.jobId,base='/jobs/'+encodeURIComponent(id),done=false,pending=false,again=false,timer=null;
var view=new URLSearchParams(location.search).get('view'),vq=view?'?view='+encodeURIComponent(view):'';
function setProgress(p){if(!p)return;var pc=Math.max(0,Math.min(100,Math.round(p.percent||0)));
var bar=document.getElementById('bar');if(bar){bar.setAttribute('aria-valuenow',pc);bar.firstElementChild.style.width=pc+'%';}
var t=document.getElementById('percent');if(t)t.textContent=pc+'%';
var m=document.getElementById('progress-message');if(m&&p.message!==undefined)m.textContent=p.message||'';}
function settle(){pending=false;if(again&&!done){again=false;refresh();}}
function refresh(){if(pending){again=true;return;}pending=true;
fetch(base+vq,{headers:{Accept:'text/html'},cache:'no-store'}).then(function(r){return r.text();}).then(function(html){
var doc=new DOMParser().parseFromString(html,'text/html');var next=doc.getElementById('job');if(!next)return settle();
var cur=document.getElementById('job');keepOpen(cur,next);cur.replaceWith(next);document.title=doc.title;
document.querySelectorAll('time[datetime]').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d))t.textContent=d.toLocaleString();});
if(next.dataset.final==='true'){done=true;if(timer)clearInterval(timer);if(es)es.close();openOnce();}settle();}).catch(settle);}
function keepOpen(cur,next){cur.querySelectorAll('details[data-key]').forEach(function(d){
var n=next.querySelector('details[data-key="'+d.dataset.key+'"]');if(n)n.open=d.open;});}
function poll(){if(timer||done)return;timer=setInterval(refresh,2000);}
var es=null;
if(window.EventSource){es=new EventSource(base+'/events'+vq);
es.addEventListener('progress',function(e){setProgress(JSON.parse(e.data));});
es.addEventListener('state',function(e){var s=JSON.parse(e.data);var cur=document.getElementById('job');
if(s.progress)setProgress(s.progress);if(!cur||cur.dataset.state!==s.state||s.final||s.updated)refresh();});
es.addEventListener('end',function(){es.close();});
es.onerror=function(){if(done)return;es.close();poll();};}
else poll();
})();`;
