import 'reflect-metadata';
import { createHttpApp, createWorkerContext } from '../../src/bootstrap';
import { reportReady } from '../lib/child';
import { BenchNoopModule } from './bench-noop.action';

/**
 * Our service as deployed: BENCH_ROLE=api is the HTTP role (validation, authentication when
 * configured, dedupe, enqueue), BENCH_ROLE=worker the worker role, both with the bench's no-op
 * action added the way a studio adds its own. Configuration comes from the environment.
 */
async function main(): Promise<void> {
  const extra = [BenchNoopModule];
  if (process.env.BENCH_ROLE === 'worker') {
    await createWorkerContext({ env: process.env, extra });
    reportReady(); // SIGTERM closes it through Nest's shutdown hooks
    return;
  }
  const app = await createHttpApp('api', { env: process.env, extra });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  reportReady(address.port);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
