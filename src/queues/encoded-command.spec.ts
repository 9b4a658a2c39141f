import { randomUUID } from 'node:crypto';
import Redis, { Command } from 'ioredis';
import { testRedisUrl } from '../../test/support/test-env';
import { CommandBatch, EAGER_BATCH_SIZE, encodeCommand, type WireArg } from './encoded-command';

describe('encodeCommand', () => {
  it('writes exactly what ioredis writes for the same command', () => {
    const cases: WireArg[][] = [
      ['key'],
      ['sha', 3, 'bull:q:wait', 'ünïcode ✓', Buffer.from([0, 1, 0xff]), '{"a":1}', -7],
      [Buffer.alloc(0), '', 0, Buffer.from('x'), Buffer.from([0x93, 0xc0])],
      [Buffer.from('only a buffer')],
      // Not ASCII before the first buffer, after the last, with none, in the name's run only:
      // each is counted again in bytes.
      ['café', Buffer.from([1]), 'plain'],
      ['plain', Buffer.from([1]), '{"name":"Révision 😀"}'],
      ['bull:q:wait', 'Łódź', '\ud800 a lone surrogate', 12],
      ['é'],
    ];
    for (const args of cases) {
      const ours = encodeCommand('evalsha', args);
      const theirs = new Command('evalsha', args).toWritable({});
      expect(ours.toString('latin1')).toBe(Buffer.from(theirs).toString('latin1'));
    }
  });
});

describe('CommandBatch', () => {
  let connection: Redis;
  const key = `encoded-command-spec:${randomUUID()}`;

  beforeAll(() => {
    connection = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  });

  afterAll(async () => {
    await connection.del(key, `${key}:string`);
    await connection.quit();
  });

  /** Counts the socket writes on the connection, each as the number of commands it carried. */
  function recordWrites(): { writes: number[]; stop(): void } {
    type Callback = (error?: Error | null) => void;
    const stream = connection.stream as unknown as {
      _write: (chunk: unknown, encoding: string, callback: Callback) => void;
      _writev: (chunks: unknown[], callback: Callback) => void;
    };
    const writes: number[] = [];
    const { _write, _writev } = stream;
    stream._write = (chunk, encoding, callback) => {
      writes.push(1);
      _write.call(stream, chunk, encoding, callback);
    };
    stream._writev = (chunks, callback) => {
      writes.push(chunks.length);
      _writev.call(stream, chunks, callback);
    };
    return {
      writes,
      stop: () => Object.assign(stream, { _write, _writev }),
    };
  }

  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('sends a turn of commands in writes of EAGER_BATCH_SIZE, each with its own reply or error', async () => {
    await connection.set(`${key}:string`, 'not a list');
    const batch = CommandBatch.of(connection)!;
    const recorder = recordWrites();
    try {
      const replies = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) => batch.send('rpush', [key, `item ${i}`])),
        batch.send('lpush', [`${key}:string`, 'x']),
        batch.send('eval', ['return {ARGV[1], 2}', 0, Buffer.from('ü')]),
      ]);
      expect(replies.slice(0, 20).map((reply) => reply.status)).toEqual(
        Array(20).fill('fulfilled'),
      );
      expect(replies[19]).toEqual({ status: 'fulfilled', value: 20 });
      expect(replies[20]).toMatchObject({
        status: 'rejected',
        reason: expect.objectContaining({ message: expect.stringMatching(/^WRONGTYPE/) }),
      });
      // Text replies, as ioredis's own command methods give.
      expect(replies[21]).toEqual({ status: 'fulfilled', value: ['ü', 2] });
      // Two full batches while the turn was still sending, the rest at its end.
      expect(EAGER_BATCH_SIZE).toBe(8);
      expect(recorder.writes).toEqual([8, 8, 6]);
      expect(await connection.lrange(key, 0, -1)).toEqual(
        Array.from({ length: 20 }, (_, i) => `item ${i}`),
      );
    } finally {
      recorder.stop();
    }
  });

  it('sends the commands of each turn at its end, without waiting for a batch still awaiting its replies', async () => {
    const batch = CommandBatch.of(connection)!;
    const waitingOn = `${key}:wake`;
    const recorder = recordWrites();
    try {
      // A reply that comes only when another connection pushes: the batch stays in flight.
      const blocked = batch.send('blpop', [waitingOn, 0]);
      await nextTurn();
      const sent = [];
      for (let turn = 0; turn < 5; turn++) {
        sent.push(batch.send('incr', [`${key}:count`]), batch.send('incr', [`${key}:count`]));
        await nextTurn();
      }
      expect(recorder.writes).toEqual([1, 2, 2, 2, 2, 2]);
      const other = new Redis(testRedisUrl());
      await other.rpush(waitingOn, 'go');
      await other.quit();
      // Redis answers one connection in order: the counts come after the pop they queued behind.
      expect(await blocked).toEqual([waitingOn, 'go']);
      expect(await Promise.all(sent)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      recorder.stop();
      await connection.del(`${key}:count`);
    }
  });

  it('is only for a single Redis: a Cluster routes commands by their keys', () => {
    expect(CommandBatch.of({} as never)).toBeNull();
  });
});
