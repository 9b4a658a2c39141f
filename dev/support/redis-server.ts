import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** Answers true when a Redis server replies to PING at the URL. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface OwnRedis {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away redis-server from PATH on the given (or a free) port and resolves
 * once it answers PING. Used when no Redis is reachable, and by tests that stop Redis on purpose
 * or need a topology: `extraArgs` are added (a leading `*.conf` path goes first, as redis-server
 * wants it: that is how a sentinel starts).
 */
export async function startRedisServer(port?: number, extraArgs: string[] = []): Promise<OwnRedis> {
  if (!redisServerOnPath()) {
    throw new Error(
      'No Redis answers at REDIS_URL and there is no redis-server on PATH. ' +
        'Install Redis 7 (Debian: apt-get install redis-server) or set REDIS_URL to a running server.',
    );
  }
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'kitsu-actions-redis-'));
  const child = spawn(
    'redis-server',
    [
      ...extraArgs.slice(0, extraArgs[0]?.endsWith('.conf') ? 1 : 0),
      '--port',
      String(chosen),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      // Its own directory: a replica's full sync writes dump.rdb, and a server started in a
      // directory holding one would load it.
      '--dir',
      dir,
      ...extraArgs.slice(extraArgs[0]?.endsWith('.conf') ? 1 : 0),
    ],
    { stdio: 'ignore', detached: false },
  );
  const url = `redis://127.0.0.1:${chosen}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers(url, 200)) {
      return {
        url,
        port: chosen,
        process: child,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50)); // polling a process that offers no ready event
  }
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start on port ${chosen}`);
}
