import { createHash } from 'node:crypto';
import { Job, type JobsOptions, type Queue, type RedisClient as BullRedisClient } from 'bullmq';
import { CommandBatch } from './encoded-command';
import type { RedisClient } from './redis-connection';

/**
 * A check that runs in Redis inside the same script as BullMQ's job insert, just before it: the
 * intake's rate limits, so counting a click and storing its job cost one round trip, and a click
 * the check refuses is never stored.
 */
export interface AddGuard {
  /** Names the guard's Lua, so each (guard, BullMQ add script) pair is defined once. */
  name: string;
  /**
   * Lua run first. Its keys are KEYS[keyBase + 1..], its arguments ARGV[argBase + 1..] (after
   * BullMQ's own). To refuse, it returns a table, which reaches the caller as AddRefusedError's
   * reply; otherwise it falls through to BullMQ's script. Its locals must not clash with
   * BullMQ's (prefix them).
   */
  lua(keyBase: number, argBase: number): string;
  keys: string[];
  args: Array<string | number>;
}

/**
 * No check: BullMQ's insert alone, still sent the guarded way (encoded once, batched per turn, see
 * CommandBatch), which costs less than Queue.add's auto-pipelined call.
 */
export const NO_GUARD: AddGuard = { name: 'none', lua: () => '', keys: [], args: [] };

/** The guard refused: nothing was stored. `reply` is the table its Lua returned. */
export class AddRefusedError extends Error {
  override name = 'AddRefusedError';
  constructor(readonly reply: unknown[]) {
    super('the add guard refused the job');
  }
}

/** What ioredis keeps of a defined script (Commander.scriptsSet), as BullMQ defined it. */
interface DefinedScript {
  lua: string;
  sha: string;
  numberOfKeys: number | null;
}

/** A BullMQ add script with a guard in front. */
interface GuardedScript {
  lua: string;
  sha: string;
  numberOfKeys: number;
}

type Arg = string | number | Buffer;

/**
 * By BullMQ script, then guard name and argument count: the Lua is the same for each. Keyed by
 * the script object ioredis holds, so a click builds no lookup string of its own.
 */
const guardedScripts = new WeakMap<DefinedScript, Map<string, GuardedScript>>();

/**
 * Adds a job as Queue.add does (the queue's default options merged under the job's, options
 * validated, BullMQ's own arguments and script), with `guard` run first in the same script.
 *
 * BullMQ builds the insert's keys and arguments itself (RedisQueueBackend.addJobToTransaction,
 * public so inserts can share a transaction); the client handed to it runs the script BullMQ asked
 * for, as BullMQ loaded it on this very connection, with the guard's Lua in front. So the stored
 * job is byte for byte what queue.add stores, whatever BullMQ version is installed; a spec
 * compares the two.
 */
export class GuardedJob<T = unknown> extends Job<T> {
  /** `connection` sends the insert; BullMQ's script text is read from the queue's own connection. */
  static async addGuarded<T>(
    queue: Queue<T>,
    connection: RedisClient,
    name: string,
    data: T,
    opts: JobsOptions & { jobId: string },
    guard: AddGuard,
  ): Promise<Job<T>> {
    if (opts.jobId === '0' || opts.jobId.startsWith('0:')) {
      throw new Error("JobId cannot be '0' or start with '0:'");
    }
    const job = new GuardedJob<T>(queue, name, data, { ...queue.jobsOpts, ...opts }, opts.jobId);
    const json = job.asJSON();
    job.validateOptions(json);
    // BullMQ defines its scripts on its connection while that comes up.
    const scripts = (await queue.backend.client) as unknown as RedisClient;
    const client = guardedClient(scripts, connection, guard);
    job.id = await queue.backend.addJobToTransaction(client, json, opts.jobId, {
      parentDependenciesKey: '',
    });
    queue.emit('waiting', job as never); // as Queue.add does
    return job;
  }
}

/**
 * A stand-in client whose only command is the guarded version of the one BullMQ asks for, built
 * from BullMQ's script as defined on `scripts` and sent on `connection`. It is sent as a plain
 * EVALSHA (EVAL once after a Redis restart, NOSCRIPT meaning nothing ran), not as an
 * ioredis-defined command: ioredis copies every defined command into each auto-pipeline when it
 * creates one, so one defined after start-up would be missing from a pipeline already open. On a
 * single Redis it is encoded at once and sent with the turn's other inserts in one write
 * (CommandBatch); a Cluster routes it by its keys through ioredis.
 */
function guardedClient(
  scripts: RedisClient,
  connection: RedisClient,
  guard: AddGuard,
): BullRedisClient {
  const runCommand = async (command: string, args: Arg[]): Promise<unknown> => {
    const bull = definedScript(scripts, command);
    const keyCount = bull.numberOfKeys!;
    const script = guardedScript(bull, guard, args.length - keyCount);
    const all: Arg[] = args.slice(0, keyCount);
    all.push(...guard.keys);
    for (let i = keyCount; i < args.length; i++) all.push(args[i]);
    all.push(...guard.args);
    const reply = await evalScript(connection, script, all);
    if (Array.isArray(reply)) throw new AddRefusedError(reply);
    return reply;
  };
  return { runCommand } as unknown as BullRedisClient;
}

function guardedScript(bull: DefinedScript, guard: AddGuard, bullArgCount: number): GuardedScript {
  let byGuard = guardedScripts.get(bull);
  if (!byGuard) guardedScripts.set(bull, (byGuard = new Map<string, GuardedScript>()));
  const id = `${guard.name}/${bullArgCount}`;
  let script = byGuard.get(id);
  if (!script) {
    const keyBase = bull.numberOfKeys!;
    if (guard === NO_GUARD) {
      script = { lua: bull.lua, sha: bull.sha, numberOfKeys: keyBase }; // as Redis holds it already
    } else {
      const lua = `${guard.lua(keyBase, bullArgCount)}\n${bull.lua}`;
      const sha = createHash('sha1').update(lua).digest('hex');
      script = { lua, sha, numberOfKeys: keyBase + guard.keys.length };
    }
    byGuard.set(id, script);
  }
  return script;
}

async function evalScript(connection: RedisClient, script: GuardedScript, args: Arg[]) {
  try {
    const batch = CommandBatch.of(connection);
    if (batch) return await batch.send('evalsha', [script.sha, script.numberOfKeys, ...args]);
    return await connection.evalsha(script.sha, script.numberOfKeys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return connection.eval(script.lua, script.numberOfKeys, ...args);
  }
}

function definedScript(connection: RedisClient, command: string): DefinedScript {
  const scripts = (connection as unknown as { scriptsSet: Record<string, DefinedScript> })
    .scriptsSet;
  const script = scripts[command];
  if (!script || typeof script.numberOfKeys !== 'number') {
    // BullMQ defines its scripts on the connection before its first command; a version that
    // stopped doing so must fail loudly here, not store jobs unguarded.
    throw new Error(`BullMQ's ${command} script is not defined on the producer connection`);
  }
  return script;
}
