import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { planRequest, type IntakePlan } from './deployment';

const run = promisify(execFile);

export type LoadTool = 'wrk' | 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** Who clicks on what from where; request n of the run is request offset + n of the plan. */
  plan: IntakePlan;
  /** Where in the plan this run starts, past what earlier runs against the same server sent. */
  offset: number;
}

export interface LoadResult {
  tool: LoadTool;
  requests: number;
  /** Requests sent, answered or not: where the next run against the same server starts. */
  sent: number;
  /** Responses with the expected 2xx status per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers and socket errors: must be 0 for the figure to count. */
  errors: number;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * wrk is the load tool of record (C, so the client costs little CPU on a 2-core machine);
 * a dev machine without it gets it from apt when the bench runs as root, else autocannon.
 */
export function pickLoadTool(wanted: LoadTool | 'auto', log: (line: string) => void): LoadTool {
  if (wanted !== 'auto') return wanted;
  if (wrkAvailable()) return 'wrk';
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
    log('wrk is missing: installing it with apt-get');
    spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
    if (wrkAvailable()) return 'wrk';
  }
  log('wrk is not available: using autocannon (its client costs more CPU; compare ratios only)');
  return 'autocannon';
}

export async function generateLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(options) : runAutocannon(options);
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  let counter = options.offset;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const { headers, body } = planRequest(options.plan, counter++);
          return {
            ...request,
            headers: { 'content-type': 'application/json', ...headers },
            body,
          };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    tool: 'autocannon',
    requests: ok,
    sent: counter - options.offset,
    rps: ok / options.durationSec,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** wrk builds each request in Lua from the plan, with planRequest's formula. */
function wrkScript(plan: IntakePlan, offset: number): string {
  const lua = (value: string) => JSON.stringify(value);
  const list = (values: string[]) => `{${values.map(lua).join(',')}}`;
  const persons = plan.persons
    .map((p) => `{id=${lua(p.id)},email=${lua(p.email)},cookie=${lua(p.cookie)}}`)
    .join(',');
  const base = Object.entries(plan.headers)
    .map(([k, v]) => `[${lua(k)}]=${lua(v)}`)
    .join(',');
  return `
local persons = {${persons}}
local g1 = ${list(plan.taskGroups[0])}
local g2 = ${list(plan.taskGroups[1])}
local g3 = ${list(plan.taskGroups[2])}
local addresses = ${list(plan.addresses)}
local base = {${base}}
local P, M, A = #persons, #g1, #addresses
local project = ${lua(plan.projectId)}
local n = ${offset}
wrk.method = "POST"
function request()
  local p = persons[(n % P) + 1]
  local k = math.floor(n / P)
  local d0 = k % M
  local d1 = (math.floor(k / M) + d0) % M
  local d2 = (math.floor(k / (M * M)) + d1) % M
  local body = '{"selection":["' .. g1[d0 + 1] .. '","' .. g2[d1 + 1] ..
    '","' .. g3[d2 + 1] .. '"],"productionid":"' .. project ..
    '","userid":"' .. p.id .. '","useremail":"' .. p.email ..
    '","originurl":"/productions/demo/shots/tasks","originserver":"kitsu.studio.example","entitytype":"shot"}'
  local h = {["Content-Type"] = "application/json", Cookie = p.cookie,
    ["X-Forwarded-For"] = addresses[(n % A) + 1]}
  for name, value in pairs(base) do h[name] = value end
  n = n + 1
  return wrk.format(nil, nil, h, body)
end
`;
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kitsu-bench-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, wrkScript(options.plan, options.offset));
  try {
    const { stdout } = await run(
      'wrk',
      [
        '-t',
        '1',
        '-c',
        String(options.connections),
        '-d',
        `${options.durationSec}s`,
        '--latency',
        '-s',
        script,
        options.url,
      ],
      { maxBuffer: 1 << 20 },
    );
    return parseWrk(stdout, options.durationSec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseWrk(stdout: string, durationSec: number): LoadResult {
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const ok = requests - non2xx;
  return {
    tool: 'wrk',
    requests: ok,
    sent: requests,
    rps: ok / durationSec,
    p50Ms: wrkLatency(stdout, '50%'),
    p99Ms: wrkLatency(stdout, '99%'),
    errors: non2xx + socketErrors,
  };
}

function wrkLatency(stdout: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
