import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { BODY_TEMPLATE, kitsuBody } from './kitsu-body';

const run = promisify(execFile);

export type LoadTool = 'wrk' | 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
}

export interface LoadResult {
  tool: LoadTool;
  requests: number;
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
  const stream = Math.floor(Math.random() * 0xffffffff);
  let counter = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: kitsuBody(stream, counter++) }),
      },
    ],
  });
  const ok = result['2xx'];
  return {
    tool: 'autocannon',
    requests: ok,
    rps: ok / options.durationSec,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** wrk builds each body in Lua: a stream id per wrk thread and a counter, as kitsuBody does. */
function wrkScript(headers: Record<string, string>): string {
  const template = BODY_TEMPLATE.replace(/"/g, '\\"');
  const extra = Object.entries(headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  return `
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("stream", threads + math.random(0, 0xfffff) * 16)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
${extra}
local counter = 0
local template = "${template}"
function request()
  counter = counter + 1
  local body = string.format(template, string.format("%08x", stream), string.format("%012x", counter))
  return wrk.format(nil, nil, nil, body)
end
`;
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kitsu-bench-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, wrkScript(options.headers ?? {}));
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
