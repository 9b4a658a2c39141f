import { Queue } from 'bullmq';
import Redis, { type Command } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '../../test/support/test-env';
import { AddRefusedError, GuardedJob, NO_GUARD, type AddGuard } from './guarded-add';

/** A guard that counts a key and refuses past `max`, as the rate limits do. */
function countingGuard(key: string, max: number): AddGuard {
  return {
    name: 'testCountGuard',
    lua: (keyBase, argBase) => `
local testCount = redis.call('INCR', KEYS[${keyBase + 1}])
if testCount > tonumber(ARGV[${argBase + 1}]) then return {testCount} end
`,
    keys: [key],
    args: [max],
  };
}

/** The stored job's fields that do not depend on when or under which id it was added. */
function comparable(hash: Record<string, string>): Record<string, string> {
  const { timestamp: _timestamp, opts, ...rest } = hash;
  const { jobId: _jobId, ...jobOpts } = JSON.parse(opts) as Record<string, unknown>;
  return { ...rest, opts: JSON.stringify(jobOpts) };
}

describe('GuardedJob.addGuarded (a check in the same script as BullMQ’s insert)', () => {
  const prefix = uniquePrefix('guarded');
  // Auto-pipelining on, as the producer connection has it.
  const connection = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  const queue = new Queue('guarded', { connection, prefix });
  const redis = new Redis(testRedisUrl());
  const data = { action: 'inspect', request: { taskIds: ['t1', 't2'] } };
  const opts = { attempts: 3, removeOnComplete: { age: 60 } };

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    redis.disconnect();
  });

  it('stores the very job queue.add stores, with the guard’s count done in the same call', async () => {
    await queue.add('inspect', data, { ...opts, jobId: 'plain-1' });
    const job = await GuardedJob.addGuarded(
      queue,
      connection,
      'inspect',
      data,
      { ...opts, jobId: 'guarded-1' },
      countingGuard(`${prefix}:count`, 5),
    );
    expect(job.id).toBe('guarded-1');
    const plain = await redis.hgetall(`${prefix}:guarded:plain-1`);
    const guarded = await redis.hgetall(`${prefix}:guarded:guarded-1`);
    expect(Object.keys(plain).length).toBeGreaterThan(3);
    expect(comparable(guarded)).toEqual(comparable(plain));
    expect(await redis.get(`${prefix}:count`)).toBe('1');
    expect(await queue.getWaiting()).toHaveLength(2);
  });

  it('without a guard (NO_GUARD) runs BullMQ’s own script as Redis holds it, and stores the same job', async () => {
    await queue.add('inspect', data, { ...opts, jobId: 'plain-2' });
    const sent: string[] = [];
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (command: Command, ...rest: unknown[]) => {
      const wire = command.toWritable({}).toString();
      // RESP: *N, $7, evalsha, $40, <sha>, ...
      sent.push(`${command.name} ${wire.split('\r\n')[4]}`);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    };
    try {
      await GuardedJob.addGuarded(
        queue,
        connection,
        'inspect',
        data,
        { ...opts, jobId: 'unguarded-2' },
        NO_GUARD,
      );
    } finally {
      connection.sendCommand = send;
    }
    // One command, no EVAL: the script is the very one BullMQ loaded.
    const bullScripts = (connection as unknown as { scriptsSet: Record<string, { sha: string }> })
      .scriptsSet;
    const addStandardJob = Object.entries(bullScripts).find(([name]) =>
      name.startsWith('addStandardJob'),
    )![1];
    expect(sent).toEqual([`evalsha ${addStandardJob.sha}`]);
    const plain = await redis.hgetall(`${prefix}:guarded:plain-2`);
    const unguarded = await redis.hgetall(`${prefix}:guarded:unguarded-2`);
    expect(comparable(unguarded)).toEqual(comparable(plain));
  });

  it('stores nothing when the guard refuses, and hands back what it returned', async () => {
    const guard = countingGuard(`${prefix}:refuse`, 0);
    const adding = GuardedJob.addGuarded(
      queue,
      connection,
      'inspect',
      data,
      {
        jobId: 'refused-1',
      },
      guard,
    );
    await expect(adding).rejects.toBeInstanceOf(AddRefusedError);
    await expect(adding).rejects.toMatchObject({ reply: [1] });
    expect(await redis.exists(`${prefix}:guarded:refused-1`)).toBe(0);
    expect(await queue.getJob('refused-1')).toBeUndefined();
  });

  it('keeps BullMQ deduplication: a second add with the same id hands back the first job', async () => {
    const dedupe = { deduplication: { id: 'same-selection', ttl: 10_000 } };
    const guard = countingGuard(`${prefix}:dedupe`, 10);
    const first = await GuardedJob.addGuarded(
      queue,
      connection,
      'inspect',
      data,
      {
        ...dedupe,
        jobId: 'dedupe-1',
      },
      guard,
    );
    const second = await GuardedJob.addGuarded(
      queue,
      connection,
      'inspect',
      data,
      {
        ...dedupe,
        jobId: 'dedupe-2',
      },
      guard,
    );
    expect(first.id).toBe('dedupe-1');
    expect(second.id).toBe('dedupe-1');
    expect(await redis.get(`${prefix}:dedupe`)).toBe('2'); // both clicks counted
  });

  it('sends the script whole when Redis does not know it (first use, or after a restart)', async () => {
    // A script no Redis has seen: its own text, so its sha is new (no SCRIPT FLUSH, which would
    // disturb the other test files sharing this Redis).
    const guard = countingGuard(`${prefix}:fresh`, 10);
    const fresh: AddGuard = { ...guard, lua: (k, a) => `-- ${prefix}\n${guard.lua(k, a)}` };
    await GuardedJob.addGuarded(queue, connection, 'inspect', data, { jobId: 'f-1' }, fresh);
    await GuardedJob.addGuarded(queue, connection, 'inspect', data, { jobId: 'f-2' }, fresh);
    expect(await redis.get(`${prefix}:fresh`)).toBe('2');
    expect((await queue.getJob('f-2'))?.data).toEqual(data);
  });

  it('takes many concurrent adds in one event-loop turn (one auto-pipeline)', async () => {
    const guard = countingGuard(`${prefix}:burst`, 1000);
    const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const jobs = await Promise.all(
      ids.map((jobId) =>
        GuardedJob.addGuarded(queue, connection, 'inspect', data, { jobId }, guard),
      ),
    );
    expect(jobs.map((job) => job.id)).toEqual(ids);
    expect(await redis.get(`${prefix}:burst`)).toBe('50');
  });
});
