import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpApp, createWorkerContext } from '../../src/bootstrap';
import { reportReady, timeRequests } from '../lib/child';
import { BenchNoopModule } from './bench-noop.action';
import { wallNow } from '../lib/clock';
import type { IntakePlan } from '../lib/deployment';
import { measureSplit, type SplitRequest } from './intake-split';

/**
 * For pick-up latency: when each 202 was handed to the socket, by job id, measured in this
 * process so a busy load generator cannot delay the start of the interval.
 */
function recordAccepts(server: Server): void {
  const acceptedAt: Record<string, number> = {};
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    const location = locationOf(res);
    res.once('finish', () => {
      const value = location();
      if (res.statusCode === 202 && value) {
        // `/jobs/<id>?view=<token>`: the id is the last path segment, without the query.
        const path = value.split('?')[0];
        acceptedAt[path.slice(path.lastIndexOf('/') + 1)] = wallNow();
      }
    });
  });
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'accepted-times') process.send?.({ type: 'accepted-times', acceptedAt });
  });
}

/**
 * The answer's Location, set with setHeader (Express) or given to writeHead as a header list (the
 * intake fast lane's 202, which Node does not keep for getHeader).
 */
function locationOf(res: ServerResponse): () => string | undefined {
  let listed: string | undefined;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]) => {
    const headers = args[args.length - 1];
    if (Array.isArray(headers)) {
      const at = headers.findIndex((item) => String(item).toLowerCase() === 'location');
      if (at >= 0) listed = String(headers[at + 1]);
    }
    return writeHead(...args);
  };
  return () => {
    const set = res.getHeader('location');
    return typeof set === 'string' ? set : listed;
  };
}

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
  const server = app.getHttpServer();
  const sharedPort = Number(process.env.BENCH_SHARED_PORT ?? 0);
  if (sharedPort > 0) {
    // Scale-out: several API processes on one port, the kernel spreading connections (SO_REUSEPORT).
    await app.init();
    await new Promise<void>((resolve) =>
      server.listen({ port: sharedPort, host: '127.0.0.1', reusePort: true }, resolve),
    );
  } else await app.listen(0, '127.0.0.1');
  if (process.env.BENCH_RECORD_ACCEPTS === '1') recordAccepts(server);
  timeRequests(server);
  if (process.env.BENCH_PLAN) {
    const plan = JSON.parse(process.env.BENCH_PLAN) as IntakePlan;
    process.on('message', (message: SplitRequest) => {
      if (message?.type !== 'split') return;
      void measureSplit(app, plan, message).then((result) => process.send?.(result));
    });
  }
  const address = server.address() as { port: number };
  reportReady(address.port);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
