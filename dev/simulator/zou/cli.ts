import { closeOnSignals, runCli, wholeNumberSetting } from '../../support/cli';
import { startZouSimulator } from './server';
import type { DatasetSize } from './dataset';

/**
 * `npm run simulator`: a Zou to point the service at. ZOU_SIM_PORT (5080), ZOU_SIM_HOST
 * (127.0.0.1), ZOU_SIM_SEED (42), ZOU_SIM_SIZE (small|medium|large), ZOU_SIM_LATENCY_MS (0),
 * ZOU_SIM_LEGACY_PLAYLISTS (false).
 */
async function main(): Promise<void> {
  const env = process.env;
  const sizeName = env.ZOU_SIM_SIZE ?? 'medium';
  if (!['small', 'medium', 'large'].includes(sizeName)) {
    throw new Error(`ZOU_SIM_SIZE: one of small, medium, large (got ${sizeName})`);
  }
  const size = sizeName as DatasetSize;
  const port = wholeNumberSetting('ZOU_SIM_PORT', env.ZOU_SIM_PORT, 5080);
  const simulator = await startZouSimulator({
    port,
    host: env.ZOU_SIM_HOST ?? '127.0.0.1',
    seed: wholeNumberSetting('ZOU_SIM_SEED', env.ZOU_SIM_SEED, 42),
    size,
    latencyMs: wholeNumberSetting('ZOU_SIM_LATENCY_MS', env.ZOU_SIM_LATENCY_MS, 0),
    legacyPlaylists: env.ZOU_SIM_LEGACY_PLAYLISTS === 'true',
    logBodies: false,
  });
  // A long-running process must not grow its request log forever.
  const trim = setInterval(
    () => simulator.log.splice(0, Math.max(0, simulator.log.length - 1000)),
    10_000,
  );
  trim.unref();
  const { data } = simulator;
  const lines = [
    `Zou simulator listening at ${simulator.url}`,
    `  dataset: seed ${data.seed}, ${data.projects.size} projects, ${data.entities.size} entities, ${data.tasks.size} tasks`,
    `  projects: ${[...data.projects.values()].map((p) => `${p.name} (${p.id})`).join(', ')}`,
    `  login: any person's email with password "${data.password}" (e.g. admin@example.com)`,
    '',
    'Service settings:',
    `  ZOU_URL=${simulator.url}`,
    `  ZOU_TOKEN=${simulator.tokens.bot}`,
    '',
    'Access tokens (7 days, bot: no expiry):',
    ...Object.entries(simulator.tokens).map(
      ([name, token]) =>
        `  ${name.padEnd(10)} ${data.people[name as keyof typeof data.people].email.padEnd(32)} ${token}`,
    ),
  ];
  console.log(lines.join('\n'));
  closeOnSignals(() => simulator.close());
}

runCli('Zou simulator', main);
