import { escapeHtml } from '../../http/html';
import { kitsuEntityUrl, kitsuPersonUrl, kitsuTaskUrl } from '../kitsu-links';
import type { LateTask } from './stats.compute';
import type { StatsResult } from './stats.action';

/** Status colours from Kitsu can be near-white (todo) or near-black: every swatch gets an outline. */
const OUTLINE = 'stroke="currentColor" stroke-opacity="0.45" stroke-width="1"';

/** A table cell: text (escaped here) or markup already escaped by its maker. */
type Cell = string | number | null | { html: string };

const percent = (value: number) => `${Math.round(value * 100)}%`;

/** Stacked horizontal bars: tasks per status for each task type, in the statuses' colours. */
function statusBars(result: StatsResult): string {
  const types = result.taskTypes;
  const rowHeight = 22;
  const labelWidth = 130;
  const barWidth = 420;
  const height = types.length * rowHeight + 24;
  const bars = types
    .map((type, index) => {
      let x = labelWidth;
      const y = index * rowHeight;
      const segments = result.statuses
        .map((status) => {
          const count = type.byStatus[status.id] ?? 0;
          if (!count) return '';
          const width = (count / type.total) * barWidth;
          const rect = `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${escapeHtml(status.color)}" ${OUTLINE}><title>${escapeHtml(status.name)}: ${count}</title></rect>`;
          x += width;
          return rect;
        })
        .join('');
      return `<text x="${labelWidth - 6}" y="${y + rowHeight / 2 + 4}" text-anchor="end" fill="currentColor" font-size="12">${escapeHtml(type.name)}</text>${segments}<text x="${labelWidth + barWidth + 6}" y="${y + rowHeight / 2 + 4}" fill="currentColor" font-size="12">${percent(type.completion)}</text>`;
    })
    .join('');
  let legendX = labelWidth;
  const legend = result.statuses
    .map((status) => {
      const item = `<rect x="${legendX}" y="${height - 16}" width="10" height="10" fill="${escapeHtml(status.color)}" ${OUTLINE}/><text x="${legendX + 14}" y="${height - 7}" fill="currentColor" font-size="11">${escapeHtml(status.shortName)}</text>`;
      legendX += 20 + status.shortName.length * 7;
      return item;
    })
    .join('');
  return `<svg role="img" aria-label="Tasks per status for each task type" viewBox="0 0 ${labelWidth + barWidth + 50} ${height}" width="100%" style="max-width:640px">${bars}${legend}</svg>`;
}

/** Done frames against total frames per sequence (burn of frames). */
function frameBurn(result: StatsResult): string {
  const sequences = result.frames.sequences;
  if (!sequences.length) return '<p class="muted">No shots in scope.</p>';
  const rowHeight = 20;
  const labelWidth = 130;
  const barWidth = 420;
  const most = Math.max(1, ...sequences.map((s) => s.totalFrames));
  const rows = sequences
    .map((seq, index) => {
      const y = index * rowHeight;
      const label = [seq.episodeName, seq.name].filter(Boolean).join(' ');
      const total = (seq.totalFrames / most) * barWidth;
      const done = (seq.doneFrames / most) * barWidth;
      return `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end" fill="currentColor" font-size="12">${escapeHtml(label)}</text><rect x="${labelWidth}" y="${y + 3}" width="${total.toFixed(1)}" height="${rowHeight - 6}" fill="#cccccc"><title>${seq.totalFrames} frames</title></rect><rect x="${labelWidth}" y="${y + 3}" width="${done.toFixed(1)}" height="${rowHeight - 6}" fill="#22d160"><title>${seq.doneFrames} frames done</title></rect><text x="${labelWidth + total + 6}" y="${y + 14}" fill="currentColor" font-size="11">${seq.doneFrames}/${seq.totalFrames}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="Done frames per sequence" viewBox="0 0 ${labelWidth + barWidth + 90} ${sequences.length * rowHeight}" width="100%" style="max-width:680px">${rows}</svg>`;
}

function cellHtml(cell: Cell): string {
  return cell !== null && typeof cell === 'object' ? cell.html : escapeHtml(cell ?? '');
}

function table(headers: string[], rows: Cell[][]): string {
  if (!rows.length) return '<p class="muted">None.</p>';
  return `<table><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cellHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

function link(href: string | null, label: string): { html: string } {
  return {
    html: href
      ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`
      : escapeHtml(label),
  };
}

/** Entity, task and people cells of a late or due task, linked into Kitsu when KITSU_URL is set. */
function taskCells(task: LateTask, kitsuUrl: string | null) {
  const place = { projectId: task.projectId, episodeId: task.episodeId };
  // Results stored before these fields existed have no ids: show the names unlinked.
  const known = Boolean(kitsuUrl && task.projectId && task.entityId);
  const people = (task.assigneeList ?? []).map(
    (person) => link(kitsuUrl && kitsuPersonUrl(kitsuUrl, person.id), person.name).html,
  );
  return {
    entity: link(
      known ? kitsuEntityUrl(kitsuUrl!, place, task.entityType, task.entityId) : null,
      task.entity,
    ),
    taskType: link(
      known ? kitsuTaskUrl(kitsuUrl!, place, task.entityType, task.taskId) : null,
      task.taskType,
    ),
    people: people.length ? { html: people.join(', ') } : task.assignees,
  };
}

const LIST_LIMIT = 50;

/** The job page partial of a stats job: tables, inline SVG charts, CSV and JSON links. */
export function renderStatsResult(
  raw: unknown,
  jobId: string,
  viewQuery = '',
  kitsuUrl: string | null = null,
): string {
  const result = raw as StatsResult;
  if (!result || typeof result !== 'object' || !result.overall || !Array.isArray(result.taskTypes))
    return '<p class="muted">No statistics.</p>';
  const id = encodeURIComponent(jobId);
  const q = escapeHtml(viewQuery);
  const links = `<p><a href="/jobs/${id}/result.csv${q}">Download CSV (one row per task)</a> · <a href="/jobs/${id}/result.json${q}">Download JSON</a></p>`;
  const overall = overallTable(result.overall);
  const perType = perTypeTable(result);
  const late = lateTable(result, kitsuUrl);
  const week = dueThisWeekTable(result, kitsuUrl);
  const people = table(
    ['Person', 'Tasks', 'Open', 'Remaining (d)', 'Late'],
    result.assignees.map((a) => [
      link(a.personId && kitsuUrl ? kitsuPersonUrl(kitsuUrl, a.personId) : null, a.name),
      a.tasks,
      a.openTasks,
      a.remainingDays,
      a.lateTasks,
    ]),
  );
  const frames = table(
    ['Episode', 'Shots', 'Frames', 'Done frames'],
    result.frames.episodes.map((e) => [e.name, e.shots, e.totalFrames, e.doneFrames]),
  );
  const more = (list: unknown[]) =>
    list.length > LIST_LIMIT
      ? `<p class="muted">First ${LIST_LIMIT} of ${list.length}; the CSV has them all.</p>`
      : '';
  return `<p class="summary">${escapeHtml(result.summary ?? '')}</p>${links}
<h2>Overall</h2>${overall}
<h2>Status per task type</h2>${statusBars(result)}${perType}
<h2>Late tasks</h2>${late}${more(result.late)}
<h2>Due this week</h2>${week}${more(result.dueThisWeek)}
<h2>People</h2>${people}
<h2>Frames per sequence</h2>${frameBurn(result)}${frames}
<p class="muted">Days of ${escapeHtml(result.dayHours)} h · as of ${escapeHtml(result.asOf)} · late by calendar day in ${escapeHtml(result.timeZone ?? 'UTC')}</p>`;
}

/** The whole selection in one row. */
function overallTable(o: StatsResult['overall']): string {
  return table(
    [
      'Tasks',
      'Done',
      'Completion',
      'Estimated (d)',
      'Spent (d)',
      'Remaining (d)',
      'Overruns',
      'Late',
      'Due this week',
      'Retakes',
    ],
    [
      [
        o.total,
        o.done,
        percent(o.completion),
        o.estimationDays,
        o.durationDays,
        o.remainingDays,
        o.overrunTasks,
        o.lateTasks,
        o.dueThisWeek,
        `${o.tasksWithRetakes} tasks, ${o.retakeCount} retakes (${percent(o.retakeRate)})`,
      ],
    ],
  );
}

/** One row per task type, with a column per status. */
function perTypeTable(result: StatsResult): string {
  return table(
    [
      'Task type',
      'Tasks',
      ...result.statuses.map((s) => s.shortName),
      'Completion',
      'Estimated (d)',
      'Spent (d)',
      'Remaining (d)',
      'Overruns',
      'Late',
      'Retake rate',
    ],
    result.taskTypes.map((t) => [
      t.name,
      t.total,
      ...result.statuses.map((s) => t.byStatus[s.id] ?? 0),
      percent(t.completion),
      t.estimationDays,
      t.durationDays,
      t.remainingDays,
      t.overrunTasks,
      t.lateTasks,
      percent(t.retakeRate),
    ]),
  );
}

/** The first late tasks, in the result's order (the CSV has them all). */
function lateTable(result: StatsResult, kitsuUrl: string | null): string {
  return table(
    ['Entity', 'Task type', 'Status', 'Due', 'Days late', 'Assignees'],
    result.late.slice(0, LIST_LIMIT).map((t) => {
      const cells = taskCells(t, kitsuUrl);
      return [
        cells.entity,
        cells.taskType,
        t.status,
        t.dueDate.slice(0, 10),
        t.daysLate,
        cells.people,
      ];
    }),
  );
}

/** The first tasks due this week. */
function dueThisWeekTable(result: StatsResult, kitsuUrl: string | null): string {
  return table(
    ['Entity', 'Task type', 'Status', 'Due', 'Assignees'],
    result.dueThisWeek.slice(0, LIST_LIMIT).map((t) => {
      const cells = taskCells(t, kitsuUrl);
      return [cells.entity, cells.taskType, t.status, t.dueDate.slice(0, 10), cells.people];
    }),
  );
}
