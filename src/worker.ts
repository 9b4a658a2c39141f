import 'reflect-metadata';
import { createWorkerContext, runOrExit } from './bootstrap';

/** Worker role: no HTTP server; consumes the queues named in WORKERS until SIGTERM. */
void runOrExit('Worker', async () => {
  await createWorkerContext();
});
