import type { LiveStatus } from '../action.types';
import type { RenderResult, RenderedTask } from './render.action';

/** Where a task's render stands, as the job page groups and counts it. */
export type RenderTaskPhase =
  | 'failed'
  | 'not-submitted'
  | 'rendering'
  | 'queued'
  | 'paused'
  | 'completed'
  | 'canceled'
  /** Submitted, but nobody follows it to its end (tracking off, stopped, or the task is gone). */
  | 'unfollowed';

export function renderTaskPhase(task: RenderedTask): RenderTaskPhase {
  if (!task.farmJobId || task.state === 'not-submitted') return 'not-submitted';
  switch (task.state) {
    case 'completed':
    case 'failed':
    case 'canceled':
      return task.state;
    case 'active':
      return task.followed === false || !task.trackingJobId ? 'unfollowed' : 'rendering';
    case 'paused':
    case 'queued':
      return task.followed === false || !task.trackingJobId ? 'unfollowed' : task.state;
    default:
      // task-gone and any state this version does not know: no longer followed.
      return 'unfollowed';
  }
}

const STILL_RUNNING: ReadonlySet<RenderTaskPhase> = new Set(['rendering', 'queued', 'paused']);

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Where a render stands on the farm, from its result with the tracking's live states merged in:
 * running until every submitted farm job has ended (or is no longer followed), then how it went.
 * Null for a dry run, whose job is all there is.
 */
export function renderLiveStatus(result: RenderResult): LiveStatus | null {
  if (!result || result.farm === 'dry-run' || !Array.isArray(result.tasks)) return null;
  const { count, progressSum, endedAt } = tallyTasks(result.tasks);
  // Tasks Kitsu did not know are in `errors` only.
  const listed = new Set(result.tasks.map((t) => t.taskId));
  const unknown = (result.errors ?? []).filter((e) => !listed.has(e.taskId)).length;
  const notSubmitted = count['not-submitted'] + unknown;
  const submitted = result.tasks.length - count['not-submitted'];
  const running = count.rendering + count.queued + count.paused;
  const failed = count.failed;
  const percent = submitted ? Math.round(progressSum / submitted) : 100;

  if (running > 0) {
    const done = submitted - running;
    const left = [
      count.rendering ? `${count.rendering} rendering` : '',
      count.queued ? `${count.queued} queued` : '',
      count.paused ? `${count.paused} paused` : '',
    ].filter(Boolean);
    const trouble = [
      failed ? `${failed} failed` : '',
      count.canceled ? `${count.canceled} canceled` : '',
      count.unfollowed ? `${count.unfollowed} no longer followed` : '',
    ].filter(Boolean);
    return {
      phase: 'running',
      tone: failed ? 'warning' : 'neutral',
      label: 'Rendering',
      percent: Math.min(99, percent),
      message:
        `Rendering on the farm: ${done} of ${submitted} done${trouble.length ? ` (${trouble.join(', ')})` : ''}, ${left.join(', ')}` +
        (notSubmitted ? `; ${notSubmitted} not submitted` : ''),
      endedAt: null,
    };
  }

  const total = submitted + notSubmitted;
  if (total === 0) return null;
  const parts = [
    `${count.completed} of ${plural(total, 'task')} rendered`,
    failed ? `${failed} failed` : '',
    notSubmitted ? `${notSubmitted} not submitted` : '',
    count.canceled ? `${count.canceled} canceled` : '',
    count.unfollowed ? `${count.unfollowed} not followed to the end` : '',
  ].filter(Boolean);
  const base = { phase: 'ended' as const, percent: 100, message: parts.join(', '), endedAt };
  const problems = failed + notSubmitted;
  if (problems > 0) {
    return count.completed > 0
      ? { ...base, tone: 'warning', label: 'Some failed' }
      : { ...base, tone: 'danger', label: 'Failed' };
  }
  if (count.canceled > 0) {
    return count.completed > 0
      ? { ...base, tone: 'warning', label: 'Partly canceled' }
      : { ...base, tone: 'neutral', label: 'Canceled' };
  }
  if (count.unfollowed > 0) {
    return count.completed > 0
      ? { ...base, tone: 'warning', label: 'Partly followed' }
      : { ...base, tone: 'neutral', label: 'Submitted' };
  }
  return { ...base, tone: 'success', label: 'All rendered' };
}

/** How many tasks stand in each phase, their summed progress and the last end tracking saw. */
function tallyTasks(tasks: RenderedTask[]): {
  count: Record<RenderTaskPhase, number>;
  progressSum: number;
  endedAt: string | null;
} {
  const count: Record<RenderTaskPhase, number> = {
    failed: 0,
    'not-submitted': 0,
    rendering: 0,
    queued: 0,
    paused: 0,
    completed: 0,
    canceled: 0,
    unfollowed: 0,
  };
  let progressSum = 0;
  let endedAt: string | null = null;
  for (const task of tasks) {
    const phase = renderTaskPhase(task);
    count[phase] += 1;
    if (phase === 'not-submitted') continue;
    const running = STILL_RUNNING.has(phase);
    const progress = typeof task.progress === 'number' ? task.progress : 0;
    progressSum += running ? Math.max(0, Math.min(100, progress)) : 100;
    if (!running && task.seenAt && (!endedAt || task.seenAt > endedAt)) endedAt = task.seenAt;
  }
  return { count, progressSum, endedAt };
}
