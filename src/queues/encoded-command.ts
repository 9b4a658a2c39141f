import Redis, { Command } from 'ioredis';
import type { RedisClient } from './redis-connection';

export type WireArg = string | number | Buffer;

/**
 * One command in Redis's wire format (RESP), built with one buffer and one text write per run of
 * text between binary arguments. ioredis writes each piece on its own (two byte-length counts and
 * a write per argument): for a guarded job insert, ~30 arguments of which two are msgpack
 * buffers, that was the largest single cost of sending it.
 */
export function encodeCommand(name: string, args: readonly WireArg[]): Buffer {
  // Each argument's length counted in characters first, without a byte count apiece: right when
  // the text is ASCII (a byte per character), as ids, keys and most job data are, which one byte
  // count per run of text confirms. Anything else is encoded again with exact byte counts.
  return encodeWith(name, args, characters) ?? encodeWith(name, args, Buffer.byteLength)!;
}

const characters = (text: string): number => text.length;

/** The command with each text argument's length from `lengthOf`; null when characters were not bytes. */
function encodeWith(
  name: string,
  args: readonly WireArg[],
  lengthOf: (text: string) => number,
): Buffer | null {
  const pieces: Array<string | Buffer> = [];
  let size = 0;
  let text = `*${args.length + 1}\r\n$${lengthOf(name)}\r\n${name}\r\n`;
  for (const arg of args) {
    if (Buffer.isBuffer(arg)) {
      text += `$${arg.length}\r\n`;
      const bytes = Buffer.byteLength(text);
      if (lengthOf === characters && bytes !== text.length) return null; // not ASCII
      size += bytes + arg.length;
      pieces.push(text, arg);
      text = '\r\n';
    } else {
      const value = typeof arg === 'string' ? arg : String(arg);
      text += `$${lengthOf(value)}\r\n${value}\r\n`;
    }
  }
  const bytes = Buffer.byteLength(text);
  if (lengthOf === characters && bytes !== text.length) return null; // not ASCII
  size += bytes;
  pieces.push(text);
  const wire = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const piece of pieces) {
    offset += typeof piece === 'string' ? wire.write(piece, offset) : piece.copy(wire, offset);
  }
  return wire;
}

/**
 * An ioredis command whose wire form was built beforehand (encodeCommand). Its arguments are not
 * kept as a list, so it suits only a single Redis (a Cluster routes by its keys) and tells
 * ioredis's debug log only its name.
 */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly wire: Buffer,
  ) {
    // As ioredis's own command methods ask: text replies, not buffers.
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): Buffer {
    return this.wire;
  }
}

/**
 * Commands that wait for the end of the event-loop turn at most. A busy turn (many clicks read at
 * once) sends its first commands while it still builds the rest, so Redis works on them on the
 * other core instead of idling until the turn ends: +10% clicks/s at 32 connections, with the
 * same CPU per click (docs/benchmarks.md). Sizes 4 to 12 measured alike, 2 a little slower, and
 * every one beat sending each turn whole.
 */
export const EAGER_BATCH_SIZE = 8;

/**
 * Sends commands on one connection in batches, each in a single socket write: a batch goes out
 * at the end of the event-loop turn, or as soon as EAGER_BATCH_SIZE commands wait, so a busy
 * intake sends fewer, larger writes (a socket write costs as much as a click's checks) without
 * holding Redis back. Several batches may await their replies at once: Redis answers a
 * connection's commands in order, and each command keeps its own reply and error. ioredis's
 * auto-pipelining works alike but builds a pipeline object per batch, copying every command
 * defined on the connection into it.
 */
export class CommandBatch {
  private pending: EncodedCommand[] = [];
  private scheduled = false;

  private constructor(private readonly connection: Redis) {}

  private static readonly batches = new WeakMap<Redis, CommandBatch>();

  /** The batch of a single Redis (standalone or Sentinel); null for a Cluster. */
  static of(connection: RedisClient): CommandBatch | null {
    if (!(connection instanceof Redis)) return null;
    let batch = CommandBatch.batches.get(connection);
    if (!batch) CommandBatch.batches.set(connection, (batch = new CommandBatch(connection)));
    return batch;
  }

  send(name: string, args: readonly WireArg[]): Promise<unknown> {
    const command = new EncodedCommand(name, encodeCommand(name, args));
    this.pending.push(command);
    if (this.pending.length >= EAGER_BATCH_SIZE) {
      this.sendPending();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.atTurnEnd);
    }
    return command.promise;
  }

  private readonly atTurnEnd = (): void => {
    this.scheduled = false;
    this.sendPending();
  };

  private sendPending(): void {
    const commands = this.pending;
    if (commands.length === 0) return;
    this.pending = [];
    const stream = this.connection.stream as { cork?(): void; uncork?(): void } | undefined;
    // Corked, the socket gathers the batch's commands and sends them in one write on uncork.
    stream?.cork?.();
    try {
      for (const command of commands) {
        try {
          void this.connection.sendCommand(command);
        } catch (error) {
          command.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      stream?.uncork?.();
    }
  }
}
