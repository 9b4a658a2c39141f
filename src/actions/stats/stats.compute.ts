import type {
  ZouEntity,
  ZouPerson,
  ZouTask,
  ZouTaskStatus,
  ZouTaskType,
} from '../../zou/zou.types';

/** Everything the figures are computed from; fetched beforehand, so computing is pure. */
export interface StatsInput {
  tasks: ZouTask[];
  /** The tasks' entities plus their sequences and episodes. */
  entities: Map<string, ZouEntity>;
  taskTypes: Map<string, ZouTaskType>;
  statuses: Map<string, ZouTaskStatus>;
  persons: Map<string, ZouPerson>;
  projectNames: Map<string, string>;
  /** Hours in a working day (estimation and duration are minutes in Zou). */
  dayHours: number;
  now: Date;
  /** IANA zone whose calendar decides "today" for lateness (Kitsu shows due dates as days). */
  timeZone: string;
}

export interface TimeFigures {
  estimationDays: number;
  durationDays: number;
  /** Sum over tasks not done of max(estimation - duration, 0). */
  remainingDays: number;
  /** Tasks with an estimation whose time spent exceeds it. */
  overrunTasks: number;
}

export interface RetakeFigures {
  tasksWithRetakes: number;
  retakeCount: number;
  /** tasksWithRetakes / tasks. */
  retakeRate: number;
}

export interface TaskTypeStats extends TimeFigures, RetakeFigures {
  taskTypeId: string;
  name: string;
  total: number;
  done: number;
  completion: number;
  /** Status id -> tasks. */
  byStatus: Record<string, number>;
  lateTasks: number;
}

export interface AssigneeStats {
  /** null for tasks nobody is assigned to. */
  personId: string | null;
  name: string;
  tasks: number;
  openTasks: number;
  remainingDays: number;
  lateTasks: number;
}

export interface FrameStats {
  id: string | null;
  name: string;
  episodeName?: string | null;
  shots: number;
  /** Shots without nb_frames count as 0 frames. */
  totalFrames: number;
  /** Frames of shots whose tasks (in scope) are all done. */
  doneFrames: number;
}

export interface TaskRow {
  taskId: string;
  project: string;
  episode: string | null;
  sequence: string | null;
  entityType: string;
  entity: string;
  taskType: string;
  status: string;
  done: boolean;
  assignees: string;
  estimationDays: number;
  durationDays: number;
  remainingDays: number;
  overrunDays: number;
  dueDate: string | null;
  daysLate: number | null;
  dueThisWeek: boolean;
  retakeCount: number;
  nbFrames: number | null;
}

export interface LateTask {
  taskId: string;
  projectId: string;
  episodeId: string | null;
  entityId: string;
  /** Zou's entity type name (Shot, Asset, ...), for links into Kitsu. */
  entityType: string;
  entity: string;
  taskType: string;
  status: string;
  dueDate: string;
  daysLate: number;
  assignees: string;
  assigneeList: Array<{ id: string; name: string }>;
}

export interface StatsFigures {
  /** When "late" and "this week" were judged (ISO). */
  asOf: string;
  /** The zone whose calendar judged lateness. */
  timeZone: string;
  dayHours: number;
  statuses: Array<{ id: string; name: string; shortName: string; color: string; isDone: boolean }>;
  overall: TimeFigures &
    RetakeFigures & {
      total: number;
      done: number;
      completion: number;
      lateTasks: number;
      dueThisWeek: number;
    };
  taskTypes: TaskTypeStats[];
  late: LateTask[];
  dueThisWeek: LateTask[];
  overruns: Array<{
    taskId: string;
    entity: string;
    taskType: string;
    estimationDays: number;
    durationDays: number;
    overrunDays: number;
  }>;
  assignees: AssigneeStats[];
  frames: {
    totalFrames: number;
    doneFrames: number;
    shots: number;
    sequences: FrameStats[];
    episodes: FrameStats[];
  };
  rows: TaskRow[];
}

const DAY_MS = 86_400_000;

/**
 * A calendar day as a day number (days since 1970-01-01). Kitsu sets and shows due dates as days,
 * so only the date part of Zou's value counts, whatever time it carries.
 */
function dueDay(value: string | null): number | null {
  const match = value ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!match) return null;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(time) ? null : time / DAY_MS;
}

/** Today's day number in the studio's time zone. */
export function todayIn(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day')) / DAY_MS;
}

/** Day numbers of the Monday of the week holding `today`, and of the Monday after. */
export function weekBounds(today: number): [number, number] {
  // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
  const sinceMonday = (((today + 3) % 7) + 7) % 7;
  const start = today - sinceMonday;
  return [start, start + 7];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const ratio = (part: number, whole: number) => (whole ? round2(part / whole) : 0);

/** What one task contributes, judged once and read by every aggregate. */
interface TaskFacts {
  task: ZouTask;
  status: ZouTaskStatus | undefined;
  taskType: ZouTaskType | undefined;
  entity: ZouEntity | undefined;
  done: boolean;
  /** Minutes, as Zou stores them. */
  estimation: number;
  duration: number;
  remaining: number;
  overrun: number;
  isLate: boolean;
  daysLate: number | null;
  inWeek: boolean;
  retakes: number;
  assignees: string[];
}

/** Per task type running sums (minutes for times). */
interface TypeAcc {
  total: number;
  done: number;
  byStatus: Record<string, number>;
  estimation: number;
  duration: number;
  remaining: number;
  overrun: number;
  withRetakes: number;
  retakes: number;
  late: number;
}

/** What every step needs beside the task: the input, the calendar and unit helpers. */
interface StatsContext {
  input: StatsInput;
  today: number;
  weekStart: number;
  weekEnd: number;
  days: (minutes: number) => number;
  personName: (id: string) => string;
}

/** Everything the single pass over the tasks gathers. */
interface TaskPass {
  usedStatuses: Set<string>;
  types: Map<string, TypeAcc>;
  people: Map<string | null, AssigneeStats>;
  /** Shot id -> every task of the shot (in scope) is done. */
  shotDone: Map<string, boolean>;
  rows: TaskRow[];
  late: LateTask[];
  dueThisWeek: LateTask[];
  overruns: StatsFigures['overruns'];
}

/**
 * Production figures over tasks: one pass over the tasks plus small per-key aggregates, so 20,000
 * tasks take milliseconds. Days are of `dayHours` hours. Lateness goes by calendar day in the studio's
 * zone, as Kitsu shows it: "late" is not done and due before today (due today is not late), days late
 * is today minus the due day; "due this week" is not done and due Monday to Sunday of this week.
 */
export function computeStats(input: StatsInput): StatsFigures {
  const context = statsContext(input);
  const pass = passOverTasks(context);
  return {
    asOf: input.now.toISOString(),
    timeZone: input.timeZone,
    dayHours: input.dayHours,
    statuses: usedStatusList(input, pass.usedStatuses),
    overall: overallFigures(context, pass),
    taskTypes: taskTypeFigures(context, pass.types),
    late: pass.late.sort((a, b) => b.daysLate - a.daysLate),
    dueThisWeek: pass.dueThisWeek.sort((a, b) => a.dueDate.localeCompare(b.dueDate)),
    overruns: pass.overruns.sort((a, b) => b.overrunDays - a.overrunDays),
    assignees: assigneeFigures(pass.people),
    frames: frameFigures(input.entities, pass.shotDone),
    rows: pass.rows,
  };
}

function statsContext(input: StatsInput): StatsContext {
  const minutesPerDay = input.dayHours * 60;
  const today = todayIn(input.now, input.timeZone);
  const [weekStart, weekEnd] = weekBounds(today);
  return {
    input,
    today,
    weekStart,
    weekEnd,
    days: (minutes) => minutes / minutesPerDay,
    personName: (id) => input.persons.get(id)?.full_name ?? id,
  };
}

/** The one pass: each task is judged, then added to every aggregate it belongs to. */
function passOverTasks(context: StatsContext): TaskPass {
  const pass: TaskPass = {
    usedStatuses: new Set(),
    types: new Map(),
    people: new Map(),
    shotDone: new Map(),
    rows: [],
    late: [],
    dueThisWeek: [],
    overruns: [],
  };
  for (const task of context.input.tasks) {
    const facts = judgeTask(context, task);
    pass.usedStatuses.add(task.task_status_id);
    addToTaskType(pass.types, facts);
    addToAssignees(context, pass.people, facts);
    const { entity } = facts;
    if (entity?.type === 'Shot') {
      pass.shotDone.set(entity.id, (pass.shotDone.get(entity.id) ?? true) && facts.done);
    }
    addToLists(context, pass, facts);
  }
  return pass;
}

function judgeTask(context: StatsContext, task: ZouTask): TaskFacts {
  const { input, today, weekStart, weekEnd } = context;
  const status = input.statuses.get(task.task_status_id);
  const done = status?.is_done === true;
  const estimation = task.estimation || 0;
  const duration = task.duration || 0;
  const due = dueDay(task.due_date);
  const isLate = !done && due !== null && due < today;
  return {
    task,
    status,
    taskType: input.taskTypes.get(task.task_type_id),
    entity: input.entities.get(task.entity_id),
    done,
    estimation,
    duration,
    remaining: done ? 0 : Math.max(estimation - duration, 0),
    overrun: estimation > 0 && duration > estimation ? duration - estimation : 0,
    isLate,
    daysLate: isLate ? today - due : null,
    inWeek: !done && due !== null && due >= weekStart && due < weekEnd,
    retakes: task.retake_count || 0,
    assignees: task.assignees ?? [],
  };
}

function addToTaskType(types: Map<string, TypeAcc>, facts: TaskFacts): void {
  const { task } = facts;
  let acc = types.get(task.task_type_id);
  if (!acc) {
    acc = {
      total: 0,
      done: 0,
      byStatus: {},
      estimation: 0,
      duration: 0,
      remaining: 0,
      overrun: 0,
      withRetakes: 0,
      retakes: 0,
      late: 0,
    };
    types.set(task.task_type_id, acc);
  }
  acc.total++;
  if (facts.done) acc.done++;
  acc.byStatus[task.task_status_id] = (acc.byStatus[task.task_status_id] ?? 0) + 1;
  acc.estimation += facts.estimation;
  acc.duration += facts.duration;
  acc.remaining += facts.remaining;
  if (facts.overrun > 0) acc.overrun++;
  if (facts.retakes > 0) acc.withRetakes++;
  acc.retakes += facts.retakes;
  if (facts.isLate) acc.late++;
}

/** A task nobody is assigned to counts for "Unassigned" (person id null). */
function addToAssignees(
  context: StatsContext,
  people: Map<string | null, AssigneeStats>,
  facts: TaskFacts,
): void {
  for (const personId of facts.assignees.length ? facts.assignees : [null]) {
    let person = people.get(personId);
    if (!person) {
      person = {
        personId,
        name: personId ? context.personName(personId) : 'Unassigned',
        tasks: 0,
        openTasks: 0,
        remainingDays: 0,
        lateTasks: 0,
      };
      people.set(personId, person);
    }
    person.tasks++;
    if (!facts.done) person.openTasks++;
    person.remainingDays += context.days(facts.remaining);
    if (facts.isLate) person.lateTasks++;
  }
}

/** The sequence and episode a task's entity sits in (shots, sequences, episodes and edits). */
function placeOf(
  entities: Map<string, ZouEntity>,
  entity: ZouEntity | undefined,
): { sequence: ZouEntity | undefined; episode: ZouEntity | undefined } {
  const sequence =
    entity?.type === 'Shot'
      ? entities.get(entity.parent_id ?? '')
      : entity?.type === 'Sequence'
        ? entity
        : undefined;
  const episode =
    entity?.type === 'Episode'
      ? entity
      : sequence?.parent_id
        ? entities.get(sequence.parent_id)
        : entity?.type === 'Edit' && entity.parent_id
          ? entities.get(entity.parent_id)
          : undefined;
  return { sequence, episode };
}

/** The task's CSV row, and its entry in the late, this-week and overrun lists that apply. */
function addToLists(context: StatsContext, pass: TaskPass, facts: TaskFacts): void {
  const { input, days, personName } = context;
  const { task, entity } = facts;
  const { sequence, episode } = placeOf(input.entities, entity);
  const entityName = entity
    ? sequence && entity.type === 'Shot'
      ? `${sequence.name} / ${entity.name}`
      : entity.name
    : task.entity_id;
  const assigneeNames = facts.assignees.map(personName).join(', ');
  const row: TaskRow = {
    taskId: task.id,
    project: input.projectNames.get(task.project_id) ?? task.project_id,
    episode: episode?.type === 'Episode' ? episode.name : null,
    sequence: sequence?.name ?? null,
    entityType: entity?.type ?? '',
    entity: entity?.name ?? task.entity_id,
    taskType: facts.taskType?.name ?? task.task_type_id,
    status: facts.status?.short_name ?? task.task_status_id,
    done: facts.done,
    assignees: assigneeNames,
    estimationDays: round2(days(facts.estimation)),
    durationDays: round2(days(facts.duration)),
    remainingDays: round2(days(facts.remaining)),
    overrunDays: round2(days(facts.overrun)),
    dueDate: task.due_date,
    daysLate: facts.daysLate,
    dueThisWeek: facts.inWeek,
    retakeCount: facts.retakes,
    nbFrames: entity?.type === 'Shot' ? (entity.nb_frames ?? null) : null,
  };
  pass.rows.push(row);
  const brief = {
    taskId: task.id,
    projectId: task.project_id,
    episodeId: episode?.type === 'Episode' ? episode.id : null,
    entityId: task.entity_id,
    entityType: entity?.type ?? '',
    entity: entityName,
    taskType: row.taskType,
    status: row.status,
    dueDate: task.due_date ?? '',
    assignees: assigneeNames,
    assigneeList: facts.assignees.map((id) => ({ id, name: personName(id) })),
  };
  if (facts.isLate) pass.late.push({ ...brief, daysLate: facts.daysLate! });
  if (facts.inWeek) pass.dueThisWeek.push({ ...brief, daysLate: facts.daysLate ?? 0 });
  if (facts.overrun > 0) {
    pass.overruns.push({
      taskId: task.id,
      entity: entityName,
      taskType: row.taskType,
      estimationDays: row.estimationDays,
      durationDays: row.durationDays,
      overrunDays: row.overrunDays,
    });
  }
}

/** Statuses the tasks use, in Kitsu's order. */
function usedStatusList(input: StatsInput, used: Set<string>): StatsFigures['statuses'] {
  return [...input.statuses.values()]
    .filter((status) => used.has(status.id))
    .sort((a, b) => a.priority - b.priority)
    .map((status) => ({
      id: status.id,
      name: status.name,
      shortName: status.short_name,
      color: status.color,
      isDone: status.is_done,
    }));
}

/** One line per task type, in Kitsu's task type order, then by name. */
function taskTypeFigures(context: StatsContext, types: Map<string, TypeAcc>): TaskTypeStats[] {
  const { input, days } = context;
  return [...types.entries()]
    .map(([id, acc]) => ({
      taskTypeId: id,
      name: input.taskTypes.get(id)?.name ?? id,
      total: acc.total,
      done: acc.done,
      completion: ratio(acc.done, acc.total),
      byStatus: acc.byStatus,
      estimationDays: round2(days(acc.estimation)),
      durationDays: round2(days(acc.duration)),
      remainingDays: round2(days(acc.remaining)),
      overrunTasks: acc.overrun,
      tasksWithRetakes: acc.withRetakes,
      retakeCount: acc.retakes,
      retakeRate: ratio(acc.withRetakes, acc.total),
      lateTasks: acc.late,
    }))
    .sort(
      (a, b) =>
        (input.taskTypes.get(a.taskTypeId)?.priority ?? 0) -
          (input.taskTypes.get(b.taskTypeId)?.priority ?? 0) || a.name.localeCompare(b.name),
    );
}

/** Totals over every task type. */
function overallFigures(context: StatsContext, pass: TaskPass): StatsFigures['overall'] {
  const { days } = context;
  const sum = (pick: (acc: TypeAcc) => number) =>
    [...pass.types.values()].reduce((total, acc) => total + pick(acc), 0);
  const total = sum((acc) => acc.total);
  const doneCount = sum((acc) => acc.done);
  const withRetakes = sum((acc) => acc.withRetakes);
  return {
    total,
    done: doneCount,
    completion: ratio(doneCount, total),
    estimationDays: round2(days(sum((acc) => acc.estimation))),
    durationDays: round2(days(sum((acc) => acc.duration))),
    remainingDays: round2(days(sum((acc) => acc.remaining))),
    overrunTasks: sum((acc) => acc.overrun),
    tasksWithRetakes: withRetakes,
    retakeCount: sum((acc) => acc.retakes),
    retakeRate: ratio(withRetakes, total),
    lateTasks: pass.late.length,
    dueThisWeek: pass.dueThisWeek.length,
  };
}

/** People by name, "Unassigned" last. */
function assigneeFigures(people: Map<string | null, AssigneeStats>): AssigneeStats[] {
  return [...people.values()]
    .map((person) => ({ ...person, remainingDays: round2(person.remainingDays) }))
    .sort((a, b) =>
      a.personId === null ? 1 : b.personId === null ? -1 : a.name.localeCompare(b.name),
    );
}

/** Keys in the order the stored result has always had them (sequences carry their episode). */
function emptyFrameStats(
  id: string | null,
  name: string,
  episode: Pick<FrameStats, 'episodeName'> = {},
): FrameStats {
  return { id, name, ...episode, shots: 0, totalFrames: 0, doneFrames: 0 };
}

/** Frames: each shot once, per sequence and per episode. */
function frameFigures(
  entities: Map<string, ZouEntity>,
  shotDone: Map<string, boolean>,
): StatsFigures['frames'] {
  const sequences = new Map<string, FrameStats>();
  const episodes = new Map<string | null, FrameStats>();
  let totalFrames = 0;
  let doneFrames = 0;
  for (const [shotId, isDone] of shotDone) {
    const shot = entities.get(shotId)!;
    const frames = shot.nb_frames ?? 0;
    const sequence = shot.parent_id ? entities.get(shot.parent_id) : undefined;
    const episode = sequence?.parent_id ? entities.get(sequence.parent_id) : undefined;
    const seqKey = sequence?.id ?? '';
    let seq = sequences.get(seqKey);
    if (!seq) {
      seq = emptyFrameStats(sequence?.id ?? null, sequence?.name ?? '(no sequence)', {
        episodeName: episode?.name ?? null,
      });
      sequences.set(seqKey, seq);
    }
    const epKey = episode?.id ?? null;
    let ep = episodes.get(epKey);
    if (!ep) {
      ep = emptyFrameStats(epKey, episode?.name ?? '(no episode)');
      episodes.set(epKey, ep);
    }
    for (const bucket of [seq, ep]) {
      bucket.shots++;
      bucket.totalFrames += frames;
      if (isDone) bucket.doneFrames += frames;
    }
    totalFrames += frames;
    if (isDone) doneFrames += frames;
  }
  const byName = (a: FrameStats, b: FrameStats) =>
    `${a.episodeName ?? ''} ${a.name}`.localeCompare(`${b.episodeName ?? ''} ${b.name}`);
  return {
    totalFrames,
    doneFrames,
    shots: shotDone.size,
    sequences: [...sequences.values()].sort(byName),
    episodes: [...episodes.values()].sort(byName),
  };
}

type CsvValue = string | number | boolean | null;

const CSV_COLUMNS: Array<[string, (row: TaskRow) => CsvValue]> = [
  ['task_id', (r) => r.taskId],
  ['project', (r) => r.project],
  ['episode', (r) => r.episode],
  ['sequence', (r) => r.sequence],
  ['entity_type', (r) => r.entityType],
  ['entity', (r) => r.entity],
  ['task_type', (r) => r.taskType],
  ['status', (r) => r.status],
  ['done', (r) => r.done],
  ['assignees', (r) => r.assignees],
  ['estimation_days', (r) => r.estimationDays],
  ['duration_days', (r) => r.durationDays],
  ['remaining_days', (r) => r.remainingDays],
  ['overrun_days', (r) => r.overrunDays],
  ['due_date', (r) => r.dueDate],
  ['days_late', (r) => r.daysLate],
  ['due_this_week', (r) => r.dueThisWeek],
  ['retake_count', (r) => r.retakeCount],
  ['nb_frames', (r) => r.nbFrames],
];

/** RFC 4180: quote fields with a comma, quote or line break; double inner quotes. */
export function csvField(value: CsvValue | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: prefix it with a quote.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function statsCsv(rows: TaskRow[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map(([, pick]) => csvField(pick(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
