import { write as writeAsync, writeSync } from 'node:fs';

export interface LineBatchWriterOptions {
  /** File descriptor the lines go to (1 for stdout). */
  fd: number;
  /** Once the waiting lines reach this many characters, they are written without waiting for the timer. */
  batchChars?: number;
  /** Longest a line waits before it is written; 0 leaves it to the batch size, flush() and exit. */
  flushEveryMs?: number;
  /** Called each time the destination is full (EAGAIN), before the writer waits to retry. */
  onFull?: () => void;
}

/** Wait before retrying a full destination (a non-blocking pipe whose reader lags). */
const RETRY_FULL_MS = 10;
/** At exit a full destination is retried this long at most, so a stuck reader cannot hang the exit. */
const EXIT_RETRY_LIMIT_MS = 10_000;

type FlushCallback = (error?: Error) => void;

/**
 * A pino destination (DestinationStream) for a busy process: write() keeps the line in an array;
 * the array is joined and written in one fs.write when it reaches batchChars or when the timer
 * fires, one write in flight at a time; flushSync() writes what waits synchronously (at exit).
 * It replaces pino.destination (sonic-boom), which measures the byte length of its accumulated
 * string on every line and so cost 4-5 µs of CPU per line even into /dev/null.
 *
 * A full non-blocking destination (EAGAIN) is retried, keeping every line and their order. A
 * destination that is gone (EPIPE, EBADF...) silences the writer: a log line is never a reason
 * to crash. A batch already handed to fs.write when flushSync() runs is left to it (its bytes
 * may already be written; writing them again would repeat lines).
 */
export class LineBatchWriter {
  private readonly fd: number;
  private readonly batchChars: number;
  private readonly onFull: (() => void) | undefined;
  private waiting: string[] = [];
  private waitingChars = 0;
  /** The unwritten rest of the batch in flight, or null when no write is in flight. */
  private inFlight: string | Buffer | null = null;
  private inFlightLines = 0;
  private batchScheduled = false;
  private linesAccepted = 0;
  private linesWritten = 0;
  private flushCallbacks: Array<{ upTo: number; done: FlushCallback }> = [];
  private goneError: Error | null = null;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: LineBatchWriterOptions) {
    this.fd = options.fd;
    this.batchChars = options.batchChars ?? 64 * 1024;
    this.onFull = options.onFull;
    const every = options.flushEveryMs ?? 200;
    if (every > 0) {
      this.timer = setInterval(() => this.startBatch(), every);
      this.timer.unref();
    }
  }

  /** Takes one line (pino hands whole lines ending in a newline). Never blocks, never throws. */
  write(line: string): boolean {
    if (this.goneError) return true;
    this.waiting.push(line);
    this.waitingChars += line.length;
    this.linesAccepted++;
    if (this.waitingChars >= this.batchChars && !this.batchScheduled && !this.inFlight) {
      // On the next turn, not now: a process.exit() right after this line then finds every
      // line still waiting and flushSync writes them all, in order.
      this.batchScheduled = true;
      setImmediate(() => {
        this.batchScheduled = false;
        this.startBatch();
      });
    }
    return true;
  }

  /** Writes what waits now; `done` runs once every line taken so far is written (pino's flush). */
  flush(done?: FlushCallback): void {
    if (done) {
      if (this.goneError || this.linesWritten === this.linesAccepted) {
        process.nextTick(done, this.goneError ?? undefined);
        return;
      }
      this.flushCallbacks.push({ upTo: this.linesAccepted, done });
    }
    this.startBatch();
  }

  /** Writes the waiting lines synchronously: at exit, or before a message that must come last. */
  flushSync(): void {
    if (this.goneError || this.waiting.length === 0) return;
    const batch = this.takeBatch();
    let rest: string | Buffer = batch.text;
    const giveUpAt = Date.now() + EXIT_RETRY_LIMIT_MS;
    while (rest.length > 0) {
      try {
        const written =
          typeof rest === 'string'
            ? writeSync(this.fd, rest, null, 'utf8')
            : writeSync(this.fd, rest);
        rest = unwrittenRest(rest, written);
      } catch (error) {
        if (!isFull(error) || Date.now() > giveUpAt) return this.gone(error as Error);
        this.onFull?.();
        sleepSync(1);
      }
    }
    this.linesWritten += batch.lines;
    this.resolveFlushes();
  }

  /** Stops the timer (tests, or a writer replaced by another). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The waiting lines as one string, and how many they are (counted once written). */
  private takeBatch(): { text: string; lines: number } {
    const lines = this.waiting.length;
    const text = lines === 1 ? this.waiting[0] : this.waiting.join('');
    this.waiting = [];
    this.waitingChars = 0;
    return { text, lines };
  }

  private startBatch(): void {
    if (this.inFlight || this.goneError || this.waiting.length === 0) return;
    const batch = this.takeBatch();
    this.inFlight = batch.text;
    this.inFlightLines = batch.lines;
    this.writeInFlight();
  }

  private writeInFlight(): void {
    const batch = this.inFlight as string | Buffer;
    // A string goes to fs.write as is: Node encodes it once, natively, with no Buffer to collect.
    if (typeof batch === 'string') writeAsync(this.fd, batch, null, 'utf8', this.afterWrite);
    else writeAsync(this.fd, batch, 0, batch.length, null, this.afterWrite);
  }

  private readonly afterWrite = (error: NodeJS.ErrnoException | null, written: number): void => {
    if (error) {
      if (!isFull(error)) return this.gone(error);
      this.onFull?.();
      setTimeout(() => this.writeInFlight(), RETRY_FULL_MS).unref();
      return;
    }
    const rest = unwrittenRest(this.inFlight as string | Buffer, written);
    if (rest.length > 0) {
      this.inFlight = rest;
      this.writeInFlight();
      return;
    }
    this.inFlight = null;
    this.linesWritten += this.inFlightLines;
    this.resolveFlushes();
    if (this.flushCallbacks.length > 0 || this.waitingChars >= this.batchChars) this.startBatch();
  };

  private resolveFlushes(): void {
    if (this.flushCallbacks.length === 0) return;
    const due = this.flushCallbacks.filter((flush) => flush.upTo <= this.linesWritten);
    this.flushCallbacks = this.flushCallbacks.filter((flush) => flush.upTo > this.linesWritten);
    for (const flush of due) flush.done();
  }

  private gone(error: Error): void {
    this.goneError = error;
    this.waiting = [];
    this.waitingChars = 0;
    this.inFlight = null;
    this.close();
    const callbacks = this.flushCallbacks;
    this.flushCallbacks = [];
    for (const flush of callbacks) flush.done(error);
  }
}

/** What is left of `batch` once its first `written` bytes are written (usually nothing). */
function unwrittenRest(batch: string | Buffer, written: number): string | Buffer {
  if (typeof batch === 'string') {
    // A string's bytes are counted only after a partial write, the rare case.
    if (written === batch.length && written === Buffer.byteLength(batch)) return '';
    return Buffer.from(batch, 'utf8').subarray(written);
  }
  return batch.subarray(written);
}

function isFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EBUSY';
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread briefly: at exit there is no event loop left to wait on. */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
