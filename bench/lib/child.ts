import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { percentile } from './stats';

/** What a server script tells the bench once it listens (or, for workers, once it consumes). */
export interface ReadyMessage {
  type: 'ready';
  port?: number;
}

export interface Child {
  name: string;
  process: ChildProcess;
  port: number;
  url: string;
  /** Resident set size in bytes, read from /proc (Linux) so the child does not have to answer. */
  rss(): number;
  /** CPU time (user + system) the process has used so far, in milliseconds. */
  cpuMs(): number;
  /** Sends a message and resolves with the first answer of the same type. */
  ask<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

const SERVERS_DIR = join(__dirname, '..', 'servers');

/**
 * Starts one of bench/servers/*.js as its own process (so the load generator does not share
 * its event loop) and resolves when it reports ready. Its stdout is discarded: the service
 * logs as it would in production, and the cost of that stays in the figures.
 */
export async function startChild(
  script: string,
  env: Record<string, string>,
  timeoutMs = 30000,
  /** Another program to run node through (valgrind), and node options of its own. */
  { execPath, execArgv = [] }: { execPath?: string; execArgv?: string[] } = {},
): Promise<Child> {
  const child = fork(join(SERVERS_DIR, `${script}.js`), [], {
    // BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every measured process.
    execArgv: [
      ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...execArgv,
    ],
    ...(execPath ? { execPath } : {}),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), timeoutMs);
    child.on('message', (message: ReadyMessage) => {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  });
  const port = ready.port ?? 0;
  return {
    name: script,
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    rss: () => rssOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    ask: <T>(type: string) =>
      new Promise<T>((resolve) => {
        const onMessage = (message: { type?: string }) => {
          if (message?.type !== type) return;
          child.off('message', onMessage);
          resolve(message as T);
        };
        child.on('message', onMessage);
        child.send({ type });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The machine's CPU time so far, all CPUs, from /proc/stat: idle (with I/O wait) and in all. */
export interface MachineTicks {
  idle: number;
  total: number;
}

export function machineTicks(): MachineTicks {
  const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  // cpu user nice system idle iowait irq softirq steal (guest time is counted in user already).
  const ticks = first.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: ticks[3] + ticks[4], total: ticks.reduce((sum, t) => sum + t, 0) };
}

/** Share of the machine's CPU time left idle between two readings. */
export function idleShareSince(before: MachineTicks): number {
  const now = machineTicks();
  return (now.idle - before.idle) / Math.max(1, now.total - before.total);
}

/** Latency as the server itself saw it over one load run (see timeRequests). */
export interface ServerLatency {
  type: 'latency';
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  gc: GcFigures;
}

/**
 * V8's collections in the server process over one load run. A collection stops the event loop,
 * so its pause is added to every request in flight: scavenges (minor GCs) come every few hundred
 * requests, and their pause grows with what outlives them; full GCs are rare and long.
 */
export interface GcFigures {
  minor: number;
  minorMedianMs: number;
  major: number;
  majorMaxMs: number;
}

/**
 * Called by an HTTP server script: times each request inside the process, from Node's parsed
 * request (the 'request' event) to the answer handed to the kernel ('finish'), between the
 * parent's `latency-start` and `latency`. Against the load tool's figures, it tells the time a
 * request takes once read from the time it waits to be read (the event loop busy with others),
 * in the kernel and in the load tool.
 */
export function timeRequests(server: Server): void {
  let durations: number[] | null = null;
  let collections: Array<{ kind: number; ms: number }> | null = null;
  new PerformanceObserver((list) => {
    if (!collections) return;
    for (const entry of list.getEntries()) {
      const { detail } = entry as unknown as { detail?: { kind?: number } };
      const kind = detail?.kind ?? 0;
      collections.push({ kind, ms: entry.duration });
    }
  }).observe({ entryTypes: ['gc'] });
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    const into = durations;
    if (!into) return;
    const startedAt = performance.now();
    res.once('finish', () => into.push(performance.now() - startedAt));
  });
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'latency-start') {
      durations = [];
      collections = [];
      process.send?.({ type: 'latency-start' });
    } else if (message?.type === 'latency') {
      const samples = durations ?? [];
      const seen = collections ?? [];
      durations = null;
      collections = null;
      const report: ServerLatency = {
        type: 'latency',
        p50Ms: percentile(samples, 50),
        p99Ms: percentile(samples, 99),
        maxMs: percentile(samples, 100),
        gc: gcFigures(seen),
      };
      process.send?.(report);
    }
  });
}

function gcFigures(collections: Array<{ kind: number; ms: number }>): GcFigures {
  const minor = collections
    .filter((c) => c.kind === constants.NODE_PERFORMANCE_GC_MINOR)
    .map((c) => c.ms);
  const major = collections
    .filter((c) => c.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    .map((c) => c.ms);
  return {
    minor: minor.length,
    minorMedianMs: minor.length ? percentile(minor, 50) : 0,
    major: major.length,
    majorMaxMs: major.length ? Math.max(...major) : 0,
  };
}

/** Called by a server script: tell the parent it is ready, and leave when it says so. */
export function reportReady(port?: number): void {
  process.send?.({ type: 'ready', ...(port !== undefined ? { port } : {}) });
  // The bench kills children with SIGTERM; if the parent dies first, do not linger.
  process.on('disconnect', () => process.exit(0));
}
