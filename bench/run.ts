import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { startRedisServer } from '../test/support/redis-server';
import { clearBenchKeys, FULL, SMOKE, type BenchContext } from './lib/context';
import { pickLoadTool, type LoadTool } from './lib/load';
import { renderMarkdown, type BenchResults, type Machine } from './report';
import { runIntake, type IntakeServer } from './sections/intake';
import { runPickup, runThroughput } from './sections/worker';
import { runZou } from './sections/zou';
import { runScale } from './sections/scale';

const SECTIONS = ['intake', 'throughput', 'pickup', 'scale', 'zou'] as const;

/**
 * npm run bench: starts its own Redis, the baselines and the service as separate processes,
 * measures, prints the table and writes BENCHMARKS.md (or --markdown). --smoke uses tiny sizes.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      tool: { type: 'string', default: 'auto' },
      markdown: { type: 'string' },
      json: { type: 'string' },
      only: { type: 'string' },
      servers: { type: 'string' },
      'redis-url': { type: 'string' },
    },
  });
  const smoke = values.smoke;
  const log = (line: string) => console.error(`[bench] ${line}`);
  const only = values.only?.split(',') ?? [...SECTIONS];
  const tool = pickLoadTool(values.tool as LoadTool | 'auto', log);
  const began = Date.now();

  // A Redis of its own unless told (the smoke test passes the suite's); only bench keys are cleared.
  const own = values['redis-url'] ? null : await startRedisServer();
  const redisUrl = values['redis-url'] ?? own!.url;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const ctx: BenchContext = { sizes: smoke ? SMOKE : FULL, tool, redisUrl, redis, log };
  const results: BenchResults = { machine: machine(tool, smoke) };
  results.machine.redis =
    ((await redis.info('server')).match(/redis_version:(\S+)/) ?? [])[1] ?? '?';
  try {
    if (only.includes('intake'))
      results.intake = await runIntake(
        ctx,
        values.servers?.split(',') as IntakeServer[] | undefined,
      );
    if (only.includes('throughput')) results.throughput = await runThroughput(ctx);
    if (only.includes('pickup')) results.pickup = await runPickup(ctx);
    if (only.includes('scale')) results.scale = await runScale(ctx);
    if (only.includes('zou')) results.zou = await runZou(ctx);
  } finally {
    await clearBenchKeys(redis);
    redis.disconnect();
    await own?.stop();
  }

  const markdown = await formatted(renderMarkdown(results));
  process.stdout.write(markdown);
  const target = values.markdown ?? (smoke ? undefined : 'BENCHMARKS.md');
  if (target) writeFileSync(target, markdown);
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
  log(`done in ${((Date.now() - began) / 1000).toFixed(0)} s${target ? `; wrote ${target}` : ''}`);
}

/** BENCHMARKS.md is committed, so it is written as `npm run format` would leave it. */
async function formatted(markdown: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    return await prettier.format(markdown, { parser: 'markdown' });
  } catch {
    return markdown; // prettier is a dev dependency; without it the table is still readable
  }
}

function machine(tool: LoadTool, smoke: boolean): Machine {
  let memory = '?';
  try {
    const free = execFileSync('free', ['-h'], { encoding: 'utf8' });
    memory = /^Mem:\s+(\S+)/m.exec(free)?.[1] ?? '?';
  } catch {
    // free(1) is missing on some systems; the rest of the description still stands.
  }
  let cpuCount = cpus().length;
  try {
    cpuCount = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // keep os.cpus()
  }
  return {
    date: new Date().toISOString(),
    cpus: cpuCount,
    memory: `${memory} total`,
    node: process.version,
    redis: '?',
    loadTool: tool === 'wrk' ? 'wrk 4 (1 thread)' : 'autocannon 9',
    mode: smoke ? 'smoke' : 'full',
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
