import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { ActionRegistry } from '../../src/actions/action-registry.service';
import type { ActionJobBase } from '../../src/actions/action.types';
import { createWorkerContext } from '../../src/bootstrap';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { QueueName } from '../../src/queues/queues';
import { wallNow } from '../lib/clock';
import { benchPrefix, clearBenchKeys, type BenchContext } from '../lib/context';
import type { TargetRow } from '../report';

export interface ZouRun {
  action: string;
  tasks: number;
  scope: 'selection' | 'project';
  calls: number;
  /** GETs: the lookups, which should grow with pages. */
  reads: number;
  /** Everything else: comments, playlists, entries (one comment per task is by design). */
  writes: number;
  wallMs: number;
  naiveCalls: number;
  naiveWallMs: number;
  /** True when the naive figures are extrapolated from a sample of the selection. */
  naiveEstimated: boolean;
}

export interface ZouResults {
  runs: ZouRun[];
  /** Actions measured, and those not on main yet. */
  measured: string[];
  missing: string[];
  targets: TargetRow[];
  markdown: string;
}

/** The actions issue 11 asks about, with the parameters of each measured case. */
const WANTED: {
  action: string;
  queue: QueueName;
  params: Record<string, string>;
  /** Writes one comment per task, at Zou's pace: its largest selections are left out. */
  writesPerTask?: boolean;
}[] = [
  { action: 'inspect', queue: 'inspect', params: {} },
  { action: 'stats', queue: 'stats', params: {} },
  { action: 'playlist', queue: 'playlist', params: {} },
  { action: 'render', queue: 'render', params: { farm: 'dry-run' }, writesPerTask: true },
];

/** The largest selection the naive client really walks; beyond it, its figures are scaled. */
const NAIVE_SAMPLE = 100;

/**
 * A quick script's way: for each task, one GET per lookup (task, entity, its parents, project,
 * task type, status, each assignee), one after the other.
 */
async function naiveLookups(zou: ZouSimulator, token: string, taskIds: string[]): Promise<number> {
  let calls = 0;
  const get = async (path: string): Promise<Record<string, unknown>> => {
    calls++;
    const res = await fetch(`${zou.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`naive client: ${path} answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  for (const id of taskIds) {
    const task = await get(`/data/tasks/${id}`);
    let entity = await get(`/data/entities/${String(task.entity_id)}`);
    while (typeof entity.parent_id === 'string') {
      entity = await get(`/data/entities/${entity.parent_id}`);
    }
    await get(`/data/projects/${String(task.project_id)}`);
    await get(`/data/task-types/${String(task.task_type_id)}`);
    await get(`/data/task-status/${String(task.task_status_id)}`);
    for (const person of (task.assignees as string[] | undefined) ?? []) {
      await get(`/data/persons/${person}`);
    }
  }
  return calls;
}

export async function runZou(ctx: BenchContext): Promise<ZouResults> {
  const { sizes } = ctx;
  await clearBenchKeys(ctx.redis);
  const prefix = benchPrefix('zou');
  const zou = await startZouSimulator({
    seed: 11,
    size: sizes.zouProjectTasks > 1000 ? 'large' : 'small',
    latencyMs: sizes.zouLatencyMs,
    logBodies: false,
  });
  const token = zou.tokens.bot;
  const worker = await createWorkerContext({
    env: {
      NODE_ENV: 'production',
      REDIS_URL: ctx.redisUrl,
      QUEUE_PREFIX: prefix,
      BOARD_PASSWORD: 'bench-board-password',
      ZOU_URL: zou.url,
      ZOU_TOKEN: token,
    },
    logger: false,
  });
  const registered = new Set(worker.get(ActionRegistry).names());
  const present = WANTED.filter((w) => registered.has(w.action));
  const missing = WANTED.filter((w) => !registered.has(w.action)).map((w) => w.action);
  if (missing.length) ctx.log(`zou: not on main yet: ${missing.join(', ')}`);
  const tvShow = zou.data.projectIds.tvShow;
  const projectTasks = [...zou.data.tasks.values()].filter((t) => t.project_id === tvShow);
  const person = zou.data.people.supervisor;
  const runs: ZouRun[] = [];
  const queues = new Map<QueueName, { queue: Queue; events: QueueEvents }>();

  const runJob = async (
    wanted: (typeof WANTED)[number],
    taskIds: string[],
    params: Record<string, string>,
  ): Promise<{ calls: number; reads: number; writes: number; wallMs: number }> => {
    let pair = queues.get(wanted.queue);
    if (!pair) {
      const connection = { url: ctx.redisUrl };
      pair = {
        queue: new Queue(wanted.queue, { connection, prefix }),
        events: new QueueEvents(wanted.queue, { connection, prefix }),
      };
      await pair.events.waitUntilReady();
      queues.set(wanted.queue, pair);
    }
    const data: ActionJobBase = {
      action: wanted.action,
      variant: '',
      request: {
        personId: person.id,
        personEmail: person.email ?? 'supervisor@studio.example',
        projectId: tvShow,
        originPath: `/productions/${tvShow}/shots/tasks`,
        originServer: 'kitsu.bench',
        taskIds,
        entityType: 'shot',
        format: 'ajax',
      },
      params,
      requestId: randomBytes(8).toString('hex'),
      requestedAt: new Date().toISOString(),
    };
    zou.resetLog();
    const began = wallNow();
    const job = await pair.queue.add(wanted.action, data, {
      jobId: randomBytes(12).toString('base64url'),
      attempts: 1,
    });
    await job.waitUntilFinished(pair.events, 600000);
    const wallMs = wallNow() - began;
    const reads = zou.log.filter((entry) => entry.method === 'GET').length;
    return { calls: zou.log.length, reads, writes: zou.log.length - reads, wallMs };
  };

  const naive = async (taskIds: string[]) => {
    const sample = taskIds.slice(0, NAIVE_SAMPLE);
    zou.resetLog();
    const began = wallNow();
    const calls = await naiveLookups(zou, token, sample);
    const wallMs = wallNow() - began;
    const scale = taskIds.length / sample.length;
    return {
      naiveCalls: Math.round(calls * scale),
      naiveWallMs: wallMs * scale,
      naiveEstimated: scale > 1,
    };
  };

  try {
    for (const wanted of present) {
      const selections = wanted.writesPerTask
        ? sizes.zouSelections.filter((n) => n <= sizes.zouWriteHeavyMax)
        : sizes.zouSelections;
      for (const tasks of selections) {
        const taskIds = projectTasks.slice(0, tasks).map((t) => t.id);
        const ours = await runJob(wanted, taskIds, wanted.params);
        const base = await naive(taskIds);
        runs.push({ action: wanted.action, tasks, scope: 'selection', ...ours, ...base });
        ctx.log(
          `zou ${wanted.action} ${tasks} tasks: ${ours.calls} calls (${ours.reads} reads) ${ours.wallMs.toFixed(0)} ms; naive ${base.naiveCalls} calls ${base.naiveWallMs.toFixed(0)} ms${base.naiveEstimated ? ' (est.)' : ''}`,
        );
      }
      if (wanted.action === 'stats') {
        const taskIds = projectTasks.slice(0, sizes.zouProjectTasks).map((t) => t.id);
        const ours = await runJob(wanted, taskIds.slice(0, 1), {
          ...wanted.params,
          scope: 'project',
        });
        const base = await naive(taskIds);
        runs.push({
          action: 'stats',
          tasks: projectTasks.length,
          scope: 'project',
          ...ours,
          ...base,
        });
      }
    }
  } finally {
    for (const { queue, events } of queues.values()) {
      await events.close();
      await queue.close();
    }
    await worker.close();
    await zou.close();
  }
  return {
    runs,
    measured: present.map((w) => w.action),
    missing,
    targets: zouTargets(runs),
    markdown: zouMarkdown(runs, missing, sizes.zouLatencyMs),
  };
}

function zouTargets(runs: ZouRun[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const action of [...new Set(runs.map((r) => r.action))]) {
    const selection = runs.filter((r) => r.action === action && r.scope === 'selection');
    if (selection.length < 2) continue;
    const small = selection[0];
    const large = selection[selection.length - 1];
    const taskGrowth = large.tasks / small.tasks;
    const callGrowth = large.calls / small.calls;
    const readGrowth = large.reads / Math.max(1, small.reads);
    const bound = `<= 1/10 of task growth x${taskGrowth.toFixed(0)}`;
    rows.push({
      figure: `4. ${action}: Zou calls ${small.tasks} -> ${large.tasks} tasks`,
      measured: `${small.calls} -> ${large.calls} (x${callGrowth.toFixed(1)})`,
      baseline: `naive ${small.naiveCalls} -> ${large.naiveCalls}`,
      ratio: `${(large.naiveCalls / large.calls).toFixed(0)}x fewer`,
      target: `calls grow with pages (${bound})`,
      pass: callGrowth <= Math.max(1, taskGrowth / 10),
    });
    if (large.writes > 0) {
      // Actions that write: the lookups are what pages can bound; the writes are the work asked for.
      rows.push({
        figure: `4. ${action}: Zou reads ${small.tasks} -> ${large.tasks} tasks`,
        measured: `${small.reads} -> ${large.reads} (x${readGrowth.toFixed(1)}), writes ${small.writes} -> ${large.writes}`,
        baseline: `naive ${small.naiveCalls} -> ${large.naiveCalls}`,
        ratio: `${(large.naiveCalls / Math.max(1, large.reads)).toFixed(0)}x fewer`,
        target: `reads grow with pages (${bound})`,
        pass: readGrowth <= Math.max(1, taskGrowth / 10),
      });
    }
  }
  const stats1000 = runs.find(
    (r) => r.action === 'stats' && r.scope === 'selection' && r.tasks === 1000,
  );
  rows.push({
    figure: '4. stats job on 1,000 tasks',
    measured: stats1000 ? `${stats1000.wallMs.toFixed(0)} ms` : 'not measured (stats not on main)',
    baseline: stats1000 ? `naive ${stats1000.naiveWallMs.toFixed(0)} ms` : '-',
    ratio: stats1000 ? `${(stats1000.naiveWallMs / stats1000.wallMs).toFixed(0)}x faster` : '-',
    target: '< 1 s',
    pass: stats1000 ? stats1000.wallMs < 1000 : null,
  });
  return rows;
}

function zouMarkdown(runs: ZouRun[], missing: string[], latencyMs: number): string {
  const lines = [
    '## 4. Zou efficiency',
    '',
    `Against the Zou simulator with ${latencyMs} ms injected latency per call. Wall time runs from`,
    'queue.add to the job finishing (worker in the bench process, warm: its Zou client keeps its',
    'short-lived cache between jobs, as a running worker does). The naive client makes one GET',
    `per task per lookup, in sequence; past ${NAIVE_SAMPLE} tasks it walks the first ${NAIVE_SAMPLE} and its`,
    'figures are scaled (marked est.).',
    '',
    '| action | tasks | Zou calls | reads | writes | wall time | naive calls | naive wall time | calls saved | faster |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map((r) => {
      const est = r.naiveEstimated ? ' (est.)' : '';
      return `| ${r.action}${r.scope === 'project' ? ' scope=project' : ''} | ${r.tasks} | ${r.calls} | ${r.reads} | ${r.writes} | ${r.wallMs.toFixed(0)} ms | ${r.naiveCalls}${est} | ${r.naiveWallMs.toFixed(0)} ms${est} | ${(r.naiveCalls / r.calls).toFixed(0)}x | ${(r.naiveWallMs / r.wallMs).toFixed(0)}x |`;
    }),
  ];
  if (missing.length) {
    lines.push('', `Not measured, not on main when this ran: ${missing.join(', ')}.`);
  }
  return lines.join('\n');
}
