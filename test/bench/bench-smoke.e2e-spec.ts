import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchResults } from '../../bench/report';
import { INTAKE_SERVERS } from '../../bench/sections/intake';
import { testRedisUrl } from '../support/test-env';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/**
 * The bench at tiny sizes, built and run as `npm run bench` does, so it cannot rot. It checks
 * that every figure was produced and is a number, never how fast anything was.
 */
describe('npm run bench (smoke sizes)', () => {
  let dir: string;
  let results: BenchResults;
  let markdown: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    await run('npx', ['tsc', '-p', 'bench/tsconfig.json'], { cwd: root });
    const json = join(dir, 'results.json');
    const md = join(dir, 'BENCHMARKS.md');
    // autocannon, never wrk: CI machines need not have wrk.
    const args = ['dist-bench/bench/run.js', '--smoke', '--tool', 'autocannon'];
    args.push('--redis-url', testRedisUrl(), '--json', json, '--markdown', md);
    await run(process.execPath, args, { cwd: root, maxBuffer: 1 << 24 });
    results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    markdown = readFileSync(md, 'utf8');
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const isFigure = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

  it('describes the machine', () => {
    const { machine } = results;
    expect(machine.cpus).toBeGreaterThan(0);
    expect(machine.node).toBe(process.version);
    expect(machine.mode).toBe('smoke');
    expect(machine.redis).toMatch(/^\d+\.\d+/);
  });

  it('measures intake as deployed, one row per switch turned off, and the three baselines at both connection counts', () => {
    const runs = results.intake!.runs;
    const servers = [...INTAKE_SERVERS].sort();
    expect(servers).toEqual(expect.arrayContaining(['service', 'service-no-rate-limits']));
    expect([...new Set(runs.map((r) => r.server))].sort()).toEqual(servers);
    expect(runs).toHaveLength(servers.length * 2);
    for (const r of runs) {
      expect(r.errors).toBe(0);
      expect(r.requests).toBeGreaterThan(0);
      for (const value of [r.rps, r.p50Ms, r.p99Ms, r.cpuUsPerRequest, r.idleShare]) {
        expect(isFigure(value)).toBe(true);
      }
      // A share of the machine's CPU time (/proc/stat), not a percentage or a tick count.
      expect(r.idleShare).toBeGreaterThanOrEqual(0);
      expect(r.idleShare).toBeLessThanOrEqual(1);
    }
  });

  it('measures the service, the peer and the bare limit head to head in rounds, and judges the rate on them', () => {
    const { rounds, connections } = results.intake!.headToHead!;
    expect(connections).toBe(2);
    expect(rounds).toHaveLength(2);
    for (const round of rounds) {
      expect(round.map((r) => r.server).sort()).toEqual(['bare-http', 'naive-nest', 'service']);
      for (const run of round) {
        expect(run.errors).toBe(0);
        expect(isFigure(run.rps) && run.rps > 0).toBe(true);
        expect(isFigure(run.p99Ms) && isFigure(run.cpuUsPerRequest)).toBe(true);
      }
    }
    // The order rotates: the same server does not always go first.
    expect(rounds[0][0].server).not.toBe(rounds[1][0].server);
    expect(markdown).toContain('### Head to head');
    expect(markdown).toMatch(
      /intake rate as deployed, 2 connections, head to head .*median of 2 rounds/,
    );
  });

  it('times the same runs inside each server process, next to the load tool’s figures, with its GCs', () => {
    for (const { inProcess } of results.intake!.runs) {
      expect(isFigure(inProcess.p50Ms) && inProcess.p50Ms > 0).toBe(true);
      expect(inProcess.p99Ms).toBeGreaterThanOrEqual(inProcess.p50Ms);
      expect(inProcess.maxMs).toBeGreaterThanOrEqual(inProcess.p99Ms);
      const { gc } = inProcess;
      expect(Number.isInteger(gc.minor) && gc.minor >= 0).toBe(true);
      expect(Number.isInteger(gc.major) && gc.major >= 0).toBe(true);
      expect(gc.minorMedianMs >= 0 && gc.majorMaxMs >= 0).toBe(true);
      if (gc.minor === 0) expect(gc.minorMedianMs).toBe(0);
    }
    expect(markdown).toContain('c=2 p50 at load tool');
    // Each server allocates megabytes over its runs: its observer saw collections, or is broken.
    const scavenges = results.intake!.runs.reduce((sum, r) => sum + r.inProcess.gc.minor, 0);
    expect(scavenges).toBeGreaterThan(0);
    expect(markdown).toContain('c=2 scavenges');
  });

  it('splits an as-deployed click’s CPU: the HTTP layer, the checks, the job insert', () => {
    const split = results.intake!.split!;
    for (const value of [split.acceptUs, split.insertUs, split.addUs]) {
      expect(isFigure(value) && value > 0).toBe(true);
    }
    expect(markdown).toContain('the job insert (BullMQ');
  });

  it('measures pick-up latency at light and heavy load, heavy both just started and warmed up', () => {
    expect(results.pickup!.map((p) => p.label)).toEqual(['light', 'heavy-cold', 'heavy']);
    for (const load of results.pickup!) {
      expect(load.samples).toBeGreaterThan(0);
      expect(isFigure(load.p50Ms) && isFigure(load.p99Ms)).toBe(true);
    }
    expect(markdown).toContain('pick-up p99, heavy load, just started');
    expect(markdown).toContain('after 200 clicks of warm-up');
  });

  it('measures worker throughput next to a bare BullMQ worker in alternating rounds, and memory', () => {
    const tp = results.throughput!;
    expect(tp.rounds).toHaveLength(2);
    for (const round of tp.rounds) {
      expect(round.bareJobsPerSec).toBeGreaterThan(0);
      expect(round.serviceJobsPerSec).toBeGreaterThan(0);
    }
    expect(tp.bareJobsPerSec).toBeGreaterThan(0);
    expect(tp.serviceJobsPerSec).toBeGreaterThan(0);
    expect(isFigure(tp.ratio) && tp.ratio > 0).toBe(true);
    expect(markdown).toMatch(/worker throughput, no-op action .* \(median of 2 rounds, /);
    const { apiRssIdle, apiRssAfter } = results.intake!;
    for (const rss of [apiRssIdle, apiRssAfter, tp.workerRssIdle, tp.workerRssAfter]) {
      expect(rss).toBeGreaterThan(1 << 20);
    }
  });

  it('measures Zou calls and time for every action on main, next to the naive client', () => {
    const zou = results.zou!;
    expect([...zou.measured, ...zou.missing].sort()).toEqual([
      'inspect',
      'playlist',
      'render',
      'stats',
    ]);
    expect(zou.measured.length).toBeGreaterThan(0);
    for (const action of zou.measured) {
      const runs = zou.runs.filter((r) => r.action === action && r.scope === 'selection');
      expect(runs.map((r) => r.tasks)).toEqual([10, 30]);
      for (const r of runs) {
        expect(r.calls).toBeGreaterThan(0);
        expect(r.reads + r.writes).toBe(r.calls);
        expect(r.naiveCalls).toBeGreaterThan(r.calls);
        expect(isFigure(r.wallMs) && isFigure(r.naiveWallMs)).toBe(true);
      }
    }
    if (zou.measured.includes('stats')) {
      expect(zou.runs.some((r) => r.action === 'stats' && r.scope === 'project')).toBe(true);
    }
  });

  it('measures intake and workers with 1, 2 and 4 processes', () => {
    const scale = results.scale!;
    expect(scale.runs.map((r) => r.processes)).toEqual([1, 2, 4]);
    for (const r of scale.runs) {
      expect(r.intakeErrors).toBe(0);
      for (const value of [r.intakeRps, r.intakeCpuUs, r.workerJobsPerSec, r.bareWorkerJobsPerSec])
        expect(isFigure(value) && value > 0).toBe(true);
    }
  });

  it('prints one table with every target and its verdict', () => {
    for (const heading of [
      '## Targets',
      '## 1. Intake',
      '## 2. Pick-up',
      '## 3. Worker',
      '## Scale-out',
      '## 4. Zou',
      '## 5. Memory',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).not.toMatch(/\| n\/a \| n\/a/);
  });
});
