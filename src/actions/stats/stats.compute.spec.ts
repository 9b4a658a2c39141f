import type { ZouEntity, ZouTask, ZouTaskStatus, ZouTaskType } from '../../zou/zou.types';
import {
  computeStats,
  csvField,
  statsCsv,
  todayIn,
  weekBounds,
  type StatsInput,
} from './stats.compute';
import { renderStatsResult } from './stats.renderer';

const status = (id: string, isDone: boolean, priority: number) =>
  ({ id, name: id, short_name: id, color: '#000', priority, is_done: isDone }) as ZouTaskStatus;
const taskType = (id: string, priority: number) => ({ id, name: id, priority }) as ZouTaskType;
const entity = (
  id: string,
  type: ZouEntity['type'],
  parent: string | null,
  frames: number | null = null,
) => ({ id, type, name: id.toUpperCase(), parent_id: parent, nb_frames: frames }) as ZouEntity;

function task(id: string, fields: Partial<ZouTask>): ZouTask {
  return {
    id,
    project_id: 'p',
    task_type_id: 'anim',
    task_status_id: 'wip',
    entity_id: 'sh1',
    assignees: [],
    estimation: 0,
    duration: 0,
    retake_count: 0,
    due_date: null,
    ...fields,
  } as ZouTask;
}

// Wednesday 2026-11-25 12:00 UTC: the week runs from Monday 23 to Monday 30.
const NOW = new Date('2026-11-25T12:00:00Z');

function input(tasks: ZouTask[]): StatsInput {
  const entities = [
    entity('ep1', 'Episode', null),
    entity('sq1', 'Sequence', 'ep1'),
    entity('sh1', 'Shot', 'sq1', 100),
    entity('sh2', 'Shot', 'sq1', 50),
    entity('sh3', 'Shot', 'sq1', null),
    entity('chair', 'Asset', null),
  ];
  return {
    tasks,
    entities: new Map(entities.map((e) => [e.id, e])),
    taskTypes: new Map([taskType('anim', 2), taskType('light', 3)].map((t) => [t.id, t])),
    statuses: new Map([status('wip', false, 1), status('done', true, 2)].map((s) => [s.id, s])),
    persons: new Map([['ann', { id: 'ann', full_name: 'Ann "A" Lee' } as never]]),
    projectNames: new Map([['p', 'Show']]),
    dayHours: 8,
    now: NOW,
    timeZone: 'UTC',
  };
}

describe('computeStats', () => {
  const tasks = [
    // Done, over its estimation (10 h spent of 8 h), had 2 retakes.
    task('t1', {
      task_status_id: 'done',
      estimation: 480,
      duration: 600,
      retake_count: 2,
      assignees: ['ann'],
    }),
    // Due yesterday (calendar) -> 1 day late; 16 h estimated, 4 h spent -> 1.5 days remaining.
    task('t2', {
      entity_id: 'sh2',
      estimation: 960,
      duration: 240,
      due_date: '2026-11-24T00:00:00',
      assignees: ['ann'],
    }),
    // Due Sunday of this week, not late.
    task('t3', { entity_id: 'sh3', task_type_id: 'light', due_date: '2026-11-29T18:00:00' }),
    // Done this week: neither late nor due.
    task('t4', { entity_id: 'chair', task_status_id: 'done', due_date: '2026-11-20' }),
    // Second task on sh1, done: sh1 stays done.
    task('t5', { task_type_id: 'light', task_status_id: 'done' }),
  ];
  const stats = computeStats(input(tasks));

  it('counts statuses and completion per task type and overall', () => {
    const anim = stats.taskTypes.find((t) => t.taskTypeId === 'anim')!;
    expect(anim).toMatchObject({
      total: 3,
      done: 2,
      byStatus: { done: 2, wip: 1 },
      completion: 0.67,
    });
    expect(stats.taskTypes.map((t) => t.taskTypeId)).toEqual(['anim', 'light']);
    expect(stats.overall).toMatchObject({ total: 5, done: 3, completion: 0.6 });
    expect(stats.statuses.map((s) => s.id)).toEqual(['wip', 'done']);
  });

  it('converts minutes to days and finds overruns and the remaining estimate', () => {
    expect(stats.overall.estimationDays).toBe(3); // 1440 min / 480
    expect(stats.overall.durationDays).toBe(1.75); // 840 min
    expect(stats.overall.remainingDays).toBe(1.5); // t2 only: 720 min
    expect(stats.overruns).toEqual([expect.objectContaining({ taskId: 't1', overrunDays: 0.25 })]);
  });

  it('judges late tasks, days late and this week', () => {
    expect(stats.late).toEqual([expect.objectContaining({ taskId: 't2', daysLate: 1 })]);
    expect(stats.dueThisWeek.map((t) => t.taskId)).toEqual(['t2', 't3']);
    expect(stats.overall).toMatchObject({ lateTasks: 1, dueThisWeek: 2 });
  });

  it('counts retakes, people and frames', () => {
    expect(stats.overall).toMatchObject({ tasksWithRetakes: 1, retakeCount: 2, retakeRate: 0.2 });
    expect(stats.assignees).toEqual([
      {
        personId: 'ann',
        name: 'Ann "A" Lee',
        tasks: 2,
        openTasks: 1,
        remainingDays: 1.5,
        lateTasks: 1,
      },
      {
        personId: null,
        name: 'Unassigned',
        tasks: 3,
        openTasks: 1,
        remainingDays: 0,
        lateTasks: 0,
      },
    ]);
    // sh1 (100, done), sh2 (50, open), sh3 (no frames, open).
    expect(stats.frames).toMatchObject({ totalFrames: 150, doneFrames: 100, shots: 3 });
    expect(stats.frames.sequences).toEqual([
      expect.objectContaining({ id: 'sq1', episodeName: 'EP1', totalFrames: 150, doneFrames: 100 }),
    ]);
    expect(stats.frames.episodes).toEqual([expect.objectContaining({ id: 'ep1', shots: 3 })]);
  });

  it('gives one row per task with derived columns', () => {
    expect(stats.rows.find((r) => r.taskId === 't2')).toMatchObject({
      episode: 'EP1',
      sequence: 'SQ1',
      entity: 'SH2',
      remainingDays: 1.5,
      daysLate: 1,
      dueThisWeek: true,
      nbFrames: 50,
    });
  });

  it('computes 20,000 tasks in one pass', () => {
    const many = Array.from({ length: 20_000 }, (_, i) =>
      task(`t${i}`, { estimation: i % 500, duration: i % 300, due_date: '2026-11-24T00:00:00' }),
    );
    const started = process.cpuUsage();
    const big = computeStats(input(many));
    const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
    expect(big.overall.total).toBe(20_000);
    expect(big.rows).toHaveLength(20_000);
    // Reported, not asserted: speed belongs to the bench.
    expect(cpuMs).toBeGreaterThan(0);
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('writes a header and one CRLF line per task', () => {
    const stats = computeStats(input([task('t1', { assignees: ['ann'] })]));
    const lines = statsCsv(stats.rows).split('\r\n');
    expect(lines[0].split(',')[0]).toBe('task_id');
    expect(lines[1]).toContain(',"Ann ""A"" Lee",');
    expect(lines).toHaveLength(3);
  });
});

describe('weekBounds', () => {
  it('runs Monday to Monday, Sunday included', () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    expect(weekBounds(day('2026-11-29'))).toEqual([day('2026-11-23'), day('2026-11-30')]);
    expect(weekBounds(day('2026-11-23'))).toEqual([day('2026-11-23'), day('2026-11-30')]);
  });
});

describe('lateness by calendar day', () => {
  const judge = (dueDate: string, now: string, timeZone = 'UTC') =>
    computeStats({ ...input([task('t', { due_date: dueDate })]), now: new Date(now), timeZone })
      .rows[0];

  it('does not count a task due today as late', () => {
    expect(judge('2026-12-04T00:00:00', '2026-12-04T23:59:00Z').daysLate).toBeNull();
    expect(judge('2026-12-04', '2026-12-04T00:01:00Z').daysLate).toBeNull();
  });

  it('counts calendar days, as Kitsu shows them', () => {
    // Due 6 January 2025, judged 4 December 2026: 697 days.
    expect(judge('2025-01-06T00:00:00', '2026-12-04T09:00:00Z').daysLate).toBe(697);
    expect(judge('2026-12-03T18:00:00', '2026-12-04T00:30:00Z').daysLate).toBe(1);
  });

  it("uses the studio's time zone for today", () => {
    // 23:30 UTC on 3 December is already 4 December in Tokyo, still 3 December in Los Angeles.
    expect(judge('2026-12-03', '2026-12-03T23:30:00Z', 'Asia/Tokyo').daysLate).toBe(1);
    expect(judge('2026-12-03', '2026-12-03T23:30:00Z', 'America/Los_Angeles').daysLate).toBeNull();
    expect(todayIn(new Date('2026-12-03T23:30:00Z'), 'Asia/Tokyo')).toBe(
      Date.parse('2026-12-04T00:00:00Z') / 86_400_000,
    );
  });
});

describe('renderStatsResult', () => {
  it('shows tables, both charts and the download links, escaped', () => {
    const stats = computeStats(input([task('t1', { assignees: ['ann'], entity_id: 'sh1' })]));
    const html = renderStatsResult(
      { ...stats, summary: '<b>', scope: 'selection', projects: [], missing: [] },
      'stats.7',
    );
    expect(html).toContain('href="/jobs/stats.7/result.csv"');
    expect(html).toContain('href="/jobs/stats.7/result.json"');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('&lt;b&gt;');
    expect(html).toContain('Ann &quot;A&quot; Lee');
    expect(renderStatsResult(null, 'x')).toContain('No statistics');
  });

  it('links late tasks, their entities and people to Kitsu, and outlines every swatch', () => {
    const stats = computeStats(
      input([task('t9', { assignees: ['ann'], entity_id: 'sh2', due_date: '2026-11-20' })]),
    );
    const html = renderStatsResult(
      { ...stats, summary: '', scope: 'selection', projects: [], missing: [] },
      'stats.8',
      '',
      'https://kitsu.example',
    );
    expect(html).toContain('href="https://kitsu.example/productions/p/episodes/ep1/shots/sh2"');
    expect(html).toContain(
      'href="https://kitsu.example/productions/p/episodes/ep1/shots/tasks/t9"',
    );
    expect(html).toContain('href="https://kitsu.example/people/ann"');
    const swatches = html.match(/<rect [^>]*fill="#[0-9a-f]+"[^>]*>/g) ?? [];
    const statusSwatches = swatches.filter(
      (rect) => !rect.includes('#cccccc') && !rect.includes('#22d160'),
    );
    expect(statusSwatches.length).toBeGreaterThan(0);
    for (const rect of statusSwatches) expect(rect).toContain('stroke="currentColor"');
  });
});
