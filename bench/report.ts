import {
  INTAKE_SERVERS,
  HEAD_TO_HEAD,
  runOf,
  type HeadToHead,
  type HeadToHeadRun,
  type IntakeResults,
  type IntakeRun,
  type IntakeServer,
} from './sections/intake';
import { BENCH_RATE_BUDGET } from './lib/deployment';
import { median, roundsFigure, type RoundsFigure } from './lib/stats';
import type { PickupLoad, ThroughputResults } from './sections/worker';
import type { ZouResults } from './sections/zou';
import type { ScaleResults } from './sections/scale';

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
  scale?: ScaleResults;
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
  service: '**Kitsu Actions intake, as deployed**',
  'service-no-rate-limits': 'as deployed, rate limits off (RATE_LIMIT_PER_*=0)',
  'service-no-authz': 'as deployed, authorization off (AUTHZ=off)',
  'service-shared-secret': 'as deployed, shared secret instead of Kitsu session',
  'service-no-dedupe': 'as deployed, dedupe off (DEDUPE_WINDOW=0)',
  'service-quiet-logs': 'as deployed, no request log lines (LOG_LEVEL=warn)',
  'service-nest-route': 'as deployed, Nest route only (INTAKE_FAST_LANE=false)',
};

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a');
const rate = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)}/s` : 'n/a');
const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;
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

/** The intake's rate targets, each against one baseline measured in the same run. */
const RATE_TARGETS = [
  { server: 'naive-nest', name: 'naive NestJS', bound: 2, target: '>= 2.0x naive NestJS' },
  {
    server: 'bare-http',
    name: 'node:http + queue.add',
    bound: 0.6,
    target: '>= 0.6x the bare limit',
  },
] as const;

type RateBaseline = (typeof RATE_TARGETS)[number]['server'];

/** The service's rate against one baseline, as a target row reads it. */
interface RateComparison {
  where: string;
  ours: number;
  theirs: number;
  ratio: number;
  ratioText: string;
  errors: number;
}

/** From the head-to-head rounds: the medians, and the rounds' spread beside the ratio. */
function headToHeadRate(h2h: HeadToHeadFigures, server: RateBaseline): RateComparison {
  const [theirs, versus] =
    server === 'naive-nest'
      ? [h2h.peer, { median: h2h.vsPeer, range: h2h.vsPeerRange }]
      : [h2h.bare, { median: h2h.vsBare, range: h2h.vsBareRange }];
  return {
    where: `${h2h.connections} connections, head to head`,
    ours: h2h.service.rps,
    theirs: theirs.rps,
    ratio: versus.median,
    ratioText: ofRounds(versus, h2h.rounds, times),
    errors: h2h.errors,
  };
}

/** From the long runs, when the bench ran without the head-to-head (--servers without all three). */
function longRunRate(
  runs: IntakeRun[],
  connections: number,
  server: RateBaseline,
): RateComparison | undefined {
  const ours = find(runs, 'service', connections);
  const theirs = find(runs, server, connections);
  if (!ours || !theirs) return undefined;
  const ratio = ours.rps / theirs.rps;
  return {
    where: `${connections} connections`,
    ours: ours.rps,
    theirs: theirs.rps,
    ratio,
    ratioText: times(ratio),
    errors: ours.errors,
  };
}

/** "1.51x (median of 7 rounds, 1.37x–1.62x)". */
function ofRounds(figure: RoundsFigure, rounds: number, format: (value: number) => string): string {
  const [low, high] = figure.range;
  return `${format(figure.median)} (median of ${rounds} rounds, ${format(low)}–${format(high)})`;
}

export function targets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const intake = results.intake;
  if (intake) {
    const counts = [...new Set(intake.runs.map((r) => r.connections))].sort((a, b) => a - b);
    const c = counts[0];
    const ours = find(intake.runs, 'service', c);
    const peer = find(intake.runs, 'naive-nest', c);
    const h2h = intake.headToHead ? headToHeadFigures(intake.headToHead) : undefined;
    for (const goal of RATE_TARGETS) {
      const compared = h2h
        ? headToHeadRate(h2h, goal.server)
        : longRunRate(intake.runs, c, goal.server);
      if (!compared) continue;
      rows.push({
        figure: `1. intake rate as deployed, ${compared.where}`,
        measured: rate(compared.ours),
        baseline: `${goal.name} ${rate(compared.theirs)}`,
        ratio: compared.ratioText,
        target: goal.target,
        pass: compared.ratio >= goal.bound && compared.errors === 0,
      });
    }
    if (ours && peer) {
      rows.push({
        figure: `1. intake server CPU per request, ${c} connections`,
        measured: `${ours.cpuUsPerRequest.toFixed(0)} µs`,
        baseline: `naive NestJS ${peer.cpuUsPerRequest.toFixed(0)} µs`,
        ratio: times(peer.cpuUsPerRequest / ours.cpuUsPerRequest),
        target: 'none (steadier than the rate on a shared machine)',
        pass: null,
      });
    }
    for (const [connections, bound] of [
      [counts[0], 10],
      [counts[1], 40],
    ] as const) {
      const run = connections === undefined ? undefined : find(intake.runs, 'service', connections);
      const theirs =
        connections === undefined ? undefined : find(intake.runs, 'naive-nest', connections);
      if (!run) continue;
      rows.push({
        figure: `1. intake p99 as deployed, ${connections} connections`,
        measured: ms(run.p99Ms),
        baseline: theirs ? `naive NestJS ${ms(theirs.p99Ms)}` : '-',
        ratio: theirs ? times(run.p99Ms / theirs.p99Ms) : '-',
        target: `<= ${bound} ms`,
        pass: run.p99Ms <= bound,
      });
    }
  }
  for (const load of results.pickup ?? []) {
    // The cold stream is shown for what a restart costs; the targets hold for the steady state.
    const cold = load.label === 'heavy-cold';
    const name = cold ? 'heavy load, just started' : `${load.label} load`;
    rows.push({
      figure: `2. pick-up p50, ${name}`,
      measured: ms(load.p50Ms),
      baseline: '-',
      ratio: '-',
      target: cold ? 'none (first seconds after a start)' : '<= 5 ms',
      pass: cold ? null : load.p50Ms <= 5,
    });
    rows.push({
      figure: `2. pick-up p99, ${name}`,
      measured: ms(load.p99Ms),
      baseline: '-',
      ratio: '-',
      target: cold ? 'none (first seconds after a start)' : '<= 25 ms',
      pass: cold ? null : load.p99Ms <= 25,
    });
  }
  const tp = results.throughput;
  if (tp) {
    rows.push({
      figure: '3. worker throughput, no-op action',
      measured: rate(tp.serviceJobsPerSec),
      baseline: `bare BullMQ worker ${rate(tp.bareJobsPerSec)}`,
      ratio: ofRounds({ median: tp.ratio, range: tp.ratioRange }, tp.rounds.length, percent),
      target: '>= 95% of bare',
      pass: tp.ratio >= 0.95,
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
      `POST /actions/bench-noop as Kitsu's page sends it: an AJAX JSON body (3 task ids of one`,
      `production), the person's Kitsu session cookie, Origin and Sec-Fetch-Site, and the client's`,
      `address in X-Forwarded-For from Kitsu's proxy. ${intake.persons} people of the production's team click from`,
      `${intake.addresses} addresses; no person repeats a selection within the dedupe window, so every accepted`,
      `request is a stored job. Accepted (2xx) requests per second, latency, and the server's CPU`,
      `time per accepted request (from /proc; it does not depend on how much CPU the load tool and`,
      `Redis took, so it is the steadier comparison on a 2-core machine). CPUs idle is the share of`,
      `the machine's CPU time nobody used over the run (/proc/stat): the server, Redis and the load`,
      `tool waiting on each other rather than short of CPU.`,
      '',
      `**As deployed** is the service as a studio runs it, nothing turned off: NODE_ENV=production,`,
      `Kitsu session authentication checked with Zou (the project's simulator, in the bench`,
      `process), authorization against Zou (person, team, tasks' projects), rate limits on per`,
      `address and per person (budgets of ${BENCH_RATE_BUDGET.toLocaleString('en')} per minute, which no run can spend), dedupe`,
      `(10 s), helmet, metrics, the cross-site check, JOB_VIEW_SECRET for the job links and one JSON`,
      `log line per request. Session and authorization facts are cached by the service as in`,
      `production; the warm-up run fills those caches. Each row below it turns exactly one switch`,
      `off, so the difference to the first row is what that switch costs. Helmet, metrics and the`,
      `cross-site check have no switch.`,
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
            `CPUs idle`,
            `errors`,
          ]),
        ],
        INTAKE_SERVERS.filter((server) => intake.runs.some((r) => r.server === server)).map(
          (server) => [
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
                    percent(run.idleShare),
                    String(run.errors),
                  ]
                : ['n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
            }),
          ],
        ),
      ),
      ...headToHeadSection(intake.headToHead),
      ...latencySection(intake, connections),
      ...splitSection(intake),
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
      'stored first. The heavy stream runs twice: to processes that have just started, then after a',
      'warm-up. For its first ~20,000 requests a fresh process has V8 promote most of what each',
      'request allocates (3–6 MB and pauses of 17–47 ms per scavenge, against mostly 5–20 KB and 1–4 ms once',
      'warm; docs/benchmarks.md), so the first row shows the seconds after a deploy, the second the',
      'steady state the target is for.',
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
      'Both workers run all along and drain in turns, the one going first alternating; the target',
      "is judged on the median of the rounds' ratios, so a slow phase of the machine during one",
      `drain (${(tp.jobs / tp.bareJobsPerSec).toFixed(1)} s each in this run) does not decide it.`,
      '',
      table(
        [
          'round',
          'bare BullMQ Worker, no-op processor',
          'Kitsu Actions worker role, no-op action',
          'vs bare',
        ],
        [
          ...tp.rounds.map((r, i) => [
            String(i + 1),
            rate(r.bareJobsPerSec),
            rate(r.serviceJobsPerSec),
            percent(r.serviceJobsPerSec / r.bareJobsPerSec),
          ]),
          [
            '**median**',
            rate(tp.bareJobsPerSec),
            rate(tp.serviceJobsPerSec),
            `**${percent(tp.ratio)}**`,
          ],
        ],
      ),
    );
  }

  const scale = results.scale;
  if (scale) {
    const first = scale.runs[0];
    const gain = (value: number, base: number) =>
      Number.isFinite(value / base) ? `${(value / base).toFixed(2)}x` : 'n/a';
    out.push(
      '',
      '## Scale-out: 1, 2 and 4 processes against one Redis',
      '',
      `The intake as deployed with N API processes sharing one port (the kernel spreads wrk's`,
      `${scale.connections} connections over them, SO_REUSEPORT), each with its own caches; then N worker`,
      `processes (concurrency ${scale.concurrency} each) draining ${scale.jobs} no-op jobs, beside N bare BullMQ`,
      `workers. Everything (load tool, Redis, Zou simulator, N processes) shares this machine's`,
      `${results.machine.cpus} CPUs, so past ${results.machine.cpus} processes nothing can grow: the rows show what`,
      `the processes cost each other, not what a machine with more cores would give.`,
      '',
      table(
        [
          'processes',
          'intake rate',
          'vs 1',
          'intake p99',
          'CPU/request (all API processes)',
          'errors',
          'worker jobs/s',
          'vs 1',
          'bare workers jobs/s',
          'worker vs bare',
        ],
        scale.runs.map((run) => [
          String(run.processes),
          rate(run.intakeRps),
          gain(run.intakeRps, first.intakeRps),
          ms(run.intakeP99Ms),
          `${run.intakeCpuUs.toFixed(0)} µs`,
          String(run.intakeErrors),
          rate(run.workerJobsPerSec),
          gain(run.workerJobsPerSec, first.workerJobsPerSec),
          rate(run.bareWorkerJobsPerSec),
          `${((run.workerJobsPerSec / run.bareWorkerJobsPerSec) * 100).toFixed(0)}%`,
        ]),
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

/** Where the as-deployed API's CPU per click goes: HTTP layer, the intake's checks, the insert. */
/**
 * The same runs' latency as the load tool saw it and as the server saw it once Node had read
 * the request: the rest is queueing before the event loop reads it, the kernel and the load tool.
 */
function latencySection(intake: IntakeResults, connections: number[]): string[] {
  return [
    '',
    "Latency of the same runs at the load tool and inside the server process, from Node's parsed",
    "request (its 'request' event) to the answer handed to the kernel ('finish'). The difference",
    'is the time before Node reads a request and after it hands over the answer: waiting in the',
    "socket's queue while the event loop serves other requests, in the kernel, in the load tool,",
    'and waiting for a CPU on a machine whose 2 cores the server, Redis and the load tool share.',
    '',
    perRunTable(
      intake,
      connections,
      (c) => [
        `c=${c} p50 at load tool`,
        'in process',
        'p99 at load tool',
        'in process',
        'max in process',
      ],
      (run) => [
        ms(run.p50Ms),
        ms(run.inProcess.p50Ms),
        ms(run.p99Ms),
        ms(run.inProcess.p99Ms),
        ms(run.inProcess.maxMs),
      ],
    ),
    '',
    "V8's collections in the server process over the same runs. Each stops the event loop, so its",
    'pause is added to every request in flight: scavenges (minor GCs) come every few hundred',
    'requests and take longer the more young objects outlive them; objects that outlive two are',
    'moved to the old generation, whose full GCs are rare but long.',
    '',
    perRunTable(
      intake,
      connections,
      (c) => [`c=${c} scavenges`, 'median pause', 'full GCs', 'longest full GC'],
      ({ inProcess: { gc } }) => [
        String(gc.minor),
        gc.minor ? ms(gc.minorMedianMs) : '-',
        String(gc.major),
        gc.major ? ms(gc.majorMaxMs) : '-',
      ],
    ),
  ];
}

/** A row per intake server measured, a group of columns per connection count (n/a if not run). */
function perRunTable(
  intake: IntakeResults,
  connections: number[],
  headings: (connections: number) => string[],
  cells: (run: IntakeRun) => string[],
): string {
  const servers = INTAKE_SERVERS.filter((server) => intake.runs.some((r) => r.server === server));
  return table(
    ['server', ...connections.flatMap(headings)],
    servers.map((server) => [
      LABELS[server],
      ...connections.flatMap((c) => {
        const run = find(intake.runs, server, c);
        return run ? cells(run) : headings(c).map(() => 'n/a');
      }),
    ]),
  );
}

function splitSection(intake: IntakeResults): string[] {
  const { split } = intake;
  const c = Math.min(...intake.runs.map((r) => r.connections));
  const http = find(intake.runs, 'service', c);
  const limit = find(intake.runs, 'bare-http', c);
  if (!split || !http) return [];
  const total = http.cpuUsPerRequest;
  const part = (us: number) => [`${us.toFixed(0)} µs`, `${((100 * us) / total).toFixed(0)}%`];
  return [
    '',
    `Where the CPU of one accepted click goes, as deployed at ${c} connections: the HTTP run's CPU`,
    `per request, then, in the same API process with its caches warm and ${c} calls in flight,`,
    'ActionIntake.accept timed without HTTP (every check and the job insert), the job insert alone',
    "as the intake makes it (BullMQ's script behind the rate-limit guard, encoded and sent in",
    'batches), and a bare queue.add of the same bodies. The rest is the HTTP layer, plus what the',
    'checks and the insert cost more under HTTP load than in those ideal runs: Redis batches are',
    'smaller when clicks arrive spread over time, and caches are colder between requests.',
    '',
    table(
      ['part', 'CPU per click', 'share'],
      [
        [
          'HTTP and the fast lane (parsing, headers, request id, log line, metrics, the answer), and the rest',
          ...part(total - split.acceptUs),
        ],
        [
          "the intake's checks (cross-site, request, session, authorization, dedupe key, job data, view token)",
          ...part(split.acceptUs - split.insertUs),
        ],
        [
          "the job insert (BullMQ's job and script with the rate-limit guard, one batched write)",
          ...part(split.insertUs),
        ],
        ['**total**', ...part(total)],
        [
          "for comparison: BullMQ's own queue.add of the same bodies (auto-pipelined)",
          `${split.addUs.toFixed(0)} µs`,
          '-',
        ],
        ...(limit
          ? [
              [
                'for comparison: the bare limit (node:http + JSON.parse + queue.add)',
                `${limit.cpuUsPerRequest.toFixed(0)} µs`,
                '-',
              ],
            ]
          : []),
      ],
    ),
  ];
}

/** The medians of a head-to-head comparison: each server's, and the per-round ratios'. */
export function headToHeadFigures(h2h: HeadToHead) {
  const serverFigures = (server: HeadToHeadRun['server']) => ({
    rps: median(h2h.rounds.map((round) => runOf(round, server).rps)),
    p99Ms: median(h2h.rounds.map((round) => runOf(round, server).p99Ms)),
    cpuUsPerRequest: median(h2h.rounds.map((round) => runOf(round, server).cpuUsPerRequest)),
  });
  const ratios = (baseline: HeadToHeadRun['server']) =>
    roundsFigure(
      h2h.rounds.map((round) => runOf(round, 'service').rps / runOf(round, baseline).rps),
    );
  const vsPeer = ratios('naive-nest');
  const vsBare = ratios('bare-http');
  return {
    connections: h2h.connections,
    rounds: h2h.rounds.length,
    service: serverFigures('service'),
    peer: serverFigures('naive-nest'),
    bare: serverFigures('bare-http'),
    vsPeer: vsPeer.median,
    vsPeerRange: vsPeer.range,
    vsBare: vsBare.median,
    vsBareRange: vsBare.range,
    errors: h2h.rounds.flat().reduce((sum, run) => sum + run.errors, 0),
  };
}

type HeadToHeadFigures = ReturnType<typeof headToHeadFigures>;

function headToHeadSection(h2h: HeadToHead | undefined): string[] {
  if (!h2h) return [];
  const figures = headToHeadFigures(h2h);
  const cells = (rps: number, cpu: number) => `${rate(rps)}, ${cpu.toFixed(0)} µs`;
  return [
    '',
    `### Head to head: the as-deployed service, the peer and the bare limit, ${h2h.rounds.length} rounds`,
    '',
    `The three servers run at once, each warmed up, and take turns: ${h2h.durationSec} s each at`,
    `${h2h.connections} connections, the order rotating every round. A slow phase of a shared VM`,
    'lasts seconds to minutes; in the long runs above it can fall on one server and not on the',
    "other, while turns of a few seconds side by side mostly share it. The targets' rate ratios are",
    "the medians of these rounds' ratios, so a turn that met a phase of its own does not decide.",
    "Each cell: accepted requests per second, and the server's CPU time per request.",
    "Latency is not judged here: each turn follows an idle spell through the others' turns, and",
    'short turns after idling came out with a higher p99 than the long runs, which give the latency.',
    '',
    table(
      [
        'round',
        'limit: node:http + queue.add',
        'peer: naive NestJS',
        'as deployed',
        'vs peer',
        'vs limit',
      ],
      [
        ...h2h.rounds.map((round, i) => {
          const [bare, peer, ours] = HEAD_TO_HEAD.map((server) => runOf(round, server));
          return [
            String(i + 1),
            cells(bare.rps, bare.cpuUsPerRequest),
            cells(peer.rps, peer.cpuUsPerRequest),
            cells(ours.rps, ours.cpuUsPerRequest),
            times(ours.rps / peer.rps),
            times(ours.rps / bare.rps),
          ];
        }),
        [
          '**median**',
          cells(figures.bare.rps, figures.bare.cpuUsPerRequest),
          cells(figures.peer.rps, figures.peer.cpuUsPerRequest),
          cells(figures.service.rps, figures.service.cpuUsPerRequest),
          `**${times(figures.vsPeer)}**`,
          `**${times(figures.vsBare)}**`,
        ],
      ],
    ),
  ];
}
