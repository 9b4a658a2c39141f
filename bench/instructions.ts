import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRedisServer } from '../test/support/redis-server';
import {
  countByKind,
  namedJitCode,
  nativeCode,
  parseAnnotate,
  parsePerfMap,
  type CountedFunction,
} from './lib/callgrind';
import { startChild } from './lib/child';
import { JsonPoster } from './lib/http-client';
import {
  actionPath,
  sendClicks,
  SERVICE_VARIANTS,
  serviceEnv,
  startStudio,
  type ServiceVariant,
} from './lib/deployment';

/**
 * npm run bench:instructions: the instructions one intake server spends per click, counted by
 * valgrind's callgrind over a fixed number of clicks after a warm-up, and the JavaScript
 * functions whose JIT code spends the most. On a shared VM the CPU time of one build varies by
 * ±30% from run to run; this count repeats within ~1.5–3%, so it can tell two builds of one part
 * apart. It leaves out the kernel's work (socket writes), and under valgrind V8 compiles and
 * collects differently, so it does not rank whole servers the way time does (BENCHMARKS.md).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'service' },
      variant: { type: 'string', default: 'as-deployed' },
      warm: { type: 'string', default: '8000' },
      clicks: { type: 'string', default: '3000' },
      connections: { type: 'string', default: '8' },
      top: { type: 'string', default: '25' },
    },
  });
  const server = values.server;
  if (!['service', 'bare-http', 'naive-nest'].includes(server)) {
    throw new Error(`--server: one of service, bare-http, naive-nest (got "${server}")`);
  }
  for (const tool of ['valgrind', 'callgrind_control', 'callgrind_annotate']) {
    if (spawnSync(tool, ['--help'], { stdio: 'ignore' }).error) {
      throw new Error(`${tool} is missing: install valgrind (apt-get install valgrind)`);
    }
  }
  const variant = values.variant as ServiceVariant;
  if (!SERVICE_VARIANTS.includes(variant)) {
    throw new Error(`--variant: one of ${SERVICE_VARIANTS.join(', ')} (got "${variant}")`);
  }
  const warm = Number(values.warm);
  const clicks = Number(values.clicks);
  const connections = Number(values.connections);

  const dir = mkdtempSync(join(tmpdir(), 'kitsu-bench-callgrind-'));
  // Node under callgrind, counting nothing until told; JIT code is rewritten as it runs.
  const wrapper = join(dir, 'node-under-callgrind.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file ` +
      `--callgrind-out-file=${dir}/callgrind.%p -q "${process.execPath}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);

  const redis = await startRedisServer();
  const studio = await startStudio();
  try {
    const env =
      server === 'service'
        ? serviceEnv(redis.url, 'kitsu-bench-instructions', studio.zou, variant)
        : { REDIS_URL: redis.url, QUEUE_PREFIX: 'kitsu-bench-instructions' };
    if (server === 'service') {
      env.BENCH_PLAN = JSON.stringify(studio.plan);
      // Cached Zou facts live AUTH_CACHE_SECONDS of wall time, renewed in their second half; under
      // valgrind a click takes ~100x longer, so at the default 10 s the count would hold dozens of
      // renewals (Zou reads) that a real run spreads over ~70,000 clicks. At the longest allowed
      // lifetime the count holds none, as the line below checks.
      env.AUTH_CACHE_SECONDS = '300';
    }
    // Named JIT code: node writes /tmp/perf-<pid>.map as it compiles.
    const child = await startChild(server, env, 600_000, {
      execPath: wrapper,
      execArgv: ['--perf-basic-prof'],
    });
    try {
      const pid = String(child.process.pid);
      const url = `${child.url}${server === 'service' ? actionPath(variant) : '/actions/bench-noop'}`;
      const poster = new JsonPoster(connections);
      console.error(`[instructions] ${server}: ${warm} clicks to warm up (slow under valgrind)`);
      await sendClicks(poster, url, studio.plan, 0, warm, connections);
      const zouCallsBefore = studio.zou.log.length;
      execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' });
      execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
      const answered = await sendClicks(poster, url, studio.plan, warm, clicks, connections);
      execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
      const zouCalls = studio.zou.log.length - zouCallsBefore;
      execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
      poster.close();
      if (answered !== clicks) throw new Error(`${clicks - answered} of ${clicks} clicks failed`);

      const dump = `${dir}/callgrind.${pid}.1`;
      const annotated = execFileSync('callgrind_annotate', ['--threshold=100', dump], {
        maxBuffer: 1 << 28,
      }).toString();
      const counted = parseAnnotate(annotated);
      const byKind = countByKind(counted);
      const perClick = (n: number) => Math.round(n / clicks);
      console.log(
        `${server === 'service' ? `service (${variant})` : server}: ${perClick(byKind.program).toLocaleString('en')} instructions per click ` +
          `(not counted: V8's compiler ${perClick(byKind.compiler).toLocaleString('en')}, ` +
          `GC ${perClick(byKind.gc).toLocaleString('en')}, hashing ${perClick(byKind.crypto).toLocaleString('en')})`,
      );
      console.log(
        `Zou calls during the count: ${zouCalls}` +
          (zouCalls > 0 ? ' (their cost is in the figures above: cache renewals, not clicks)' : ''),
      );
      const perfMap = `/tmp/perf-${pid}.map`;
      const printTop = (title: string, functions: CountedFunction[]) => {
        console.log(title);
        for (const { name, instructions } of functions.slice(0, Number(values.top))) {
          console.log(`${String(perClick(instructions)).padStart(8)}  ${name}`);
        }
      };
      if (existsSync(perfMap)) {
        const map = parsePerfMap(readFileSync(perfMap, 'utf8'));
        printTop('JIT code per click, by function:', namedJitCode(counted, map));
        rmSync(perfMap, { force: true });
      }
      printTop(
        'Native code per click (V8 builtins and runtime, Node, libc), by function:',
        nativeCode(counted),
      );
    } finally {
      await child.stop();
    }
  } finally {
    await studio.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
