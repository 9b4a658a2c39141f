import { closeOnSignals, runCli, wholeNumberSetting } from '../../support/cli';
import { startAfanasySimulator } from './afanasy.simulator';
import { startDeadlineSimulator } from './deadline.simulator';
import { startFlamencoSimulator } from './flamenco.simulator';

/**
 * `npm run simulator:farms`: Flamenco, Afanasy and Deadline to point the service at.
 * FARM_SIM_HOST (127.0.0.1), FLAMENCO_SIM_PORT (8088), AFANASY_SIM_PORT (51000),
 * DEADLINE_SIM_PORT (8082); 0 picks a free port. Jobs render by themselves: every
 * FARM_SIM_TICK_MS (2000) they advance FARM_SIM_PROGRESS (20) percent; FARM_SIM_TICK_MS=0 stops that.
 */
async function main(): Promise<void> {
  const env = process.env;
  const host = env.FARM_SIM_HOST ?? '127.0.0.1';
  const everyMs = wholeNumberSetting('FARM_SIM_TICK_MS', env.FARM_SIM_TICK_MS, 2000);
  const progressPerTick = wholeNumberSetting('FARM_SIM_PROGRESS', env.FARM_SIM_PROGRESS, 20);
  const autoRun = everyMs > 0 ? { everyMs, progressPerTick } : undefined;
  const flamenco = await startFlamencoSimulator({
    host,
    port: wholeNumberSetting('FLAMENCO_SIM_PORT', env.FLAMENCO_SIM_PORT, 8088),
    autoRun,
  });
  const afanasy = await startAfanasySimulator({
    host,
    port: wholeNumberSetting('AFANASY_SIM_PORT', env.AFANASY_SIM_PORT, 51000),
    autoRun,
  });
  const deadline = await startDeadlineSimulator({
    host,
    port: wholeNumberSetting('DEADLINE_SIM_PORT', env.DEADLINE_SIM_PORT, 8082),
    autoRun,
  });
  const simulators = [flamenco, afanasy, deadline];
  // A long-running process must not grow its request logs forever.
  const trim = setInterval(() => {
    for (const simulator of simulators) {
      simulator.log.splice(0, Math.max(0, simulator.log.length - 1000));
    }
  }, 10_000);
  trim.unref();
  console.log(
    [
      'Farm simulators listening:',
      `  Flamenco  ${flamenco.url}  (job types: ${[...flamenco.jobTypes.keys()].join(', ')})`,
      `  Afanasy   ${afanasy.url}`,
      `  Deadline  ${deadline.url}`,
      autoRun
        ? `  jobs advance ${progressPerTick}% every ${everyMs} ms`
        : '  jobs stay queued (FARM_SIM_TICK_MS=0)',
      '',
      'Service settings (pick one farm):',
      `  RENDER_FARM=flamenco FLAMENCO_URL=${flamenco.url}`,
      `  RENDER_FARM=afanasy  AFANASY_URL=${afanasy.url}`,
      `  RENDER_FARM=deadline DEADLINE_URL=${deadline.url}`,
    ].join('\n'),
  );
  closeOnSignals(() => Promise.all(simulators.map((simulator) => simulator.close())));
}

runCli('Farm simulators', main);
