import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

export function ajaxBody(
  taskIds: string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const project = randomUUID();
  return {
    userid: randomUUID(),
    useremail: 'artist@studio.example',
    productionid: project,
    originurl: `/productions/${project}/shots/tasks`,
    originserver: 'kitsu.studio.example:443',
    selection: taskIds,
    entitytype: 'shot',
    ...overrides,
  };
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves when a line matching `pattern` has been printed. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** `node dist/worker.js` as a real child process (npm test builds dist first). */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  return startNodeProcess('worker.js', env);
}

/** `node dist/<entry>` (main.js, worker.js) as a real child process, its output captured. */
export function startNodeProcess(entry: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [join(__dirname, '../../dist', entry)], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => text,
    exited,
    // Generous: a busy CI machine starts Node and Nest slowly; a line that comes ends the wait.
    waitForLine(pattern, timeoutMs = 60_000) {
      if (pattern.test(text)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`worker never printed ${String(pattern)}; output:\n${text}`));
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`worker exited before printing ${String(pattern)}; output:\n${text}`));
        });
      });
    },
  };
}

export async function killWorker(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  await worker.exited;
}
