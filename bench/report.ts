import {
  INTAKE_SERVERS,
  type IntakeResults,
  type IntakeRun,
  type IntakeServer,
} from './sections/intake';
import type { PickupLoad, ThroughputResults } from './sections/worker';
import type { ZouResults } from './sections/zou';

export interface Machine {
  date: string;
  cpus: number;
  memory: string;
  node: string;
  redis: string;
  loadTool: string;
  mode: 'full' | 'smoke';
}

export interface BenchResults {
  machine: Machine;
  intake?: IntakeResults;
  throughput?: ThroughputResults;
  pickup?: PickupLoad[];
  zou?: ZouResults;
}

export interface TargetRow {
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  pass: boolean | null;
}

const LABELS: Record<IntakeServer, string> = {
  'bare-http': 'limit: node:http + JSON.parse + queue.add',
  'express-echo': 'ceiling: Express 5 + express.json() echo',
  'naive-nest': 'peer: NestJS + ValidationPipe DTO + queue.add',
  'service-nest-route': 'Kitsu Actions intake, Nest route only (INTAKE_FAST_LANE=false)',
  service: 'Kitsu Actions intake (fast lane, as deployed)',
};

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a');
const rate = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)}/s` : 'n/a');
const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MiB` : 'n/a';
const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function find(runs: IntakeRun[], server: IntakeServer, connections: number): IntakeRun | undefined {
  return runs.find((r) => r.server === server && r.connections === connections);
}

export function targets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const intake = results.intake;
  if (intake) {
    const c = Math.min(...intake.runs.map((r) => r.connections));
    const ours = find(intake.runs, 'service', c);
    const peer = find(intake.runs, 'naive-nest', c);
    if (ours && peer) {
      const ratio = ours.rps / peer.rps;
      rows.push({
        figure: `1. intake rate, ${c} connections`,
        measured: rate(ours.rps),
        baseline: `naive NestJS ${rate(peer.rps)}`,
        ratio: times(ratio),
        target: '>= 1.5x naive NestJS',
        pass: ratio >= 1.5 && ours.errors === 0,
      });
      rows.push({
        figure: `1. intake server CPU per request, ${c} connections`,
        measured: `${ours.cpuUsPerRequest.toFixed(0)} µs`,
        baseline: `naive NestJS ${peer.cpuUsPerRequest.toFixed(0)} µs`,
        ratio: times(peer.cpuUsPerRequest / ours.cpuUsPerRequest),
        target: 'none (steadier than the rate on a shared machine)',
        pass: null,
      });
      rows.push({
        figure: `1. intake p99, ${c} connections`,
        measured: ms(ours.p99Ms),
        baseline: `naive NestJS ${ms(peer.p99Ms)}`,
        ratio: times(ours.p99Ms / peer.p99Ms),
        target: '<= 15 ms',
        pass: ours.p99Ms <= 15,
      });
    }
  }
  for (const load of results.pickup ?? []) {
    rows.push({
      figure: `2. pick-up p50, ${load.label} load`,
      measured: ms(load.p50Ms),
      baseline: '-',
      ratio: '-',
      target: '<= 5 ms',
      pass: load.p50Ms <= 5,
    });
    rows.push({
      figure: `2. pick-up p99, ${load.label} load`,
      measured: ms(load.p99Ms),
      baseline: '-',
      ratio: '-',
      target: '<= 25 ms',
      pass: load.p99Ms <= 25,
    });
  }
  const tp = results.throughput;
  if (tp) {
    const ratio = tp.serviceJobsPerSec / tp.bareJobsPerSec;
    rows.push({
      figure: '3. worker throughput, no-op action',
      measured: rate(tp.serviceJobsPerSec),
      baseline: `bare BullMQ worker ${rate(tp.bareJobsPerSec)}`,
      ratio: `${(ratio * 100).toFixed(0)}%`,
      target: '>= 80% of bare',
      pass: ratio >= 0.8,
    });
  }
  for (const row of results.zou?.targets ?? []) rows.push(row);
  return rows;
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const out: string[] = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench\`${m.mode === 'smoke' ? ' (smoke sizes: figures prove the bench runs, not how fast)' : ''}.`,
    'Every figure sits next to baselines measured in the same run on the same machine; these',
    'machines are noisy, so only ratios compare across runs.',
    '',
    table(
      ['machine', ''],
      [
        ['date', m.date],
        ['CPUs (nproc)', String(m.cpus)],
        ['memory (free -h)', m.memory],
        ['node', m.node],
        ['redis', m.redis],
        ['load tool', m.loadTool],
      ],
    ),
    '',
    '## Targets',
    '',
    table(
      ['figure', 'measured', 'baseline (same run)', 'ratio', 'target', 'result'],
      targets(results).map((t) => [
        t.figure,
        t.measured,
        t.baseline,
        t.ratio,
        t.target,
        t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL',
      ]),
    ),
  ];

  const intake = results.intake;
  if (intake) {
    const connections = [...new Set(intake.runs.map((r) => r.connections))];
    const peerAt = (c: number) => find(intake.runs, 'naive-nest', c)?.rps ?? Number.NaN;
    out.push(
      '',
      '## 1. Intake',
      '',
      `POST /actions/bench-noop with a Kitsu AJAX body (3 task ids, the last one unique per request so`,
      `deduplication never skips an enqueue). Accepted (2xx) requests per second, latency, and the`,
      `server's CPU time per accepted request (from /proc; it does not depend on how much CPU the`,
      `load tool and Redis took, so it is the steadier comparison on a 2-core machine). A p99 near`,
      `1 s at 128 connections is connection set-up during the first second (seen on all`,
      `framework servers alike), not steady-state latency.`,
      intake.authenticated
        ? 'The service runs as deployed: AUTH_MODE=shared-secret, dedupe (10 s window), helmet, metrics and one JSON log line per request; the rate limits are off, since one person at one address would be refused by design.'
        : 'The service runs without authentication: AUTH_MODE was not on main when this was measured.',
      '',
      table(
        [
          'server',
          ...connections.flatMap((c) => [
            `c=${c} rate`,
            `vs peer`,
            `p50`,
            `p99`,
            `CPU/request`,
            `errors`,
          ]),
        ],
        INTAKE_SERVERS.map((server) => [
          LABELS[server],
          ...connections.flatMap((c) => {
            const run = find(intake.runs, server, c);
            return run
              ? [
                  rate(run.rps),
                  times(run.rps / peerAt(c)),
                  ms(run.p50Ms),
                  ms(run.p99Ms),
                  `${run.cpuUsPerRequest.toFixed(0)} µs`,
                  String(run.errors),
                ]
              : ['n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
          }),
        ]),
      ),
    );
  }

  const pickup = results.pickup;
  if (pickup) {
    out.push(
      '',
      '## 2. Pick-up latency (202 to handler start)',
      '',
      'API and worker are separate processes. The API notes when each 202 was handed to the socket,',
      'the no-op handler when it started (wall clock, sub-millisecond, same machine). A negative',
      'figure would mean the worker started the job before the 202 left: it can, since the job is',
      'stored first.',
      '',
      table(
        ['load', 'jobs', 'p50', 'p99'],
        pickup.map((p) => [
          `${p.label}: ${p.description}`,
          String(p.samples),
          ms(p.p50Ms),
          ms(p.p99Ms),
        ]),
      ),
    );
  }

  const tp = results.throughput;
  if (tp) {
    out.push(
      '',
      '## 3. Worker throughput',
      '',
      `${tp.jobs} no-op jobs added to a paused queue, then drained; concurrency ${tp.concurrency} for both.`,
      '',
      table(
        ['worker', 'jobs/s', 'vs bare'],
        [
          ['bare BullMQ Worker, no-op processor', rate(tp.bareJobsPerSec), '100%'],
          [
            'Kitsu Actions worker role, no-op action',
            rate(tp.serviceJobsPerSec),
            `${((tp.serviceJobsPerSec / tp.bareJobsPerSec) * 100).toFixed(0)}%`,
          ],
        ],
      ),
    );
  }

  if (results.zou) out.push('', results.zou.markdown);

  if (intake || tp) {
    out.push(
      '',
      '## 5. Memory (resident set size)',
      '',
      table(
        ['process', 'idle', 'after load'],
        [
          [
            'API (after the intake run)',
            mib(intake?.apiRssIdle ?? NaN),
            mib(intake?.apiRssAfter ?? NaN),
          ],
          [
            `worker (after draining ${tp?.jobs ?? 0} jobs)`,
            mib(tp?.workerRssIdle ?? NaN),
            mib(tp?.workerRssAfter ?? NaN),
          ],
        ],
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
