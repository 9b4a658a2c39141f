import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { LineBatchWriter } from './line-batch-writer';
import { logRequestLine } from './request-line';

let dir: string;
const writers: LineBatchWriter[] = [];
const fds: number[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'line-batch-writer-'));
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const writer of writers.splice(0)) writer.close();
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function writerOn(fd: number, options: Partial<ConstructorParameters<typeof LineBatchWriter>[0]>) {
  const writer = new LineBatchWriter({ fd, flushEveryMs: 0, ...options });
  writers.push(writer);
  return writer;
}

function openFile(): { fd: number; read: () => string } {
  const file = path.join(dir, 'out.log');
  const fd = fs.openSync(file, 'w');
  fds.push(fd);
  return { fd, read: () => fs.readFileSync(file, 'utf8') };
}

const flushed = (writer: LineBatchWriter) =>
  new Promise<Error | undefined>((resolve) => writer.flush(resolve));

const numbered = (count: number, width = 0) =>
  Array.from({ length: count }, (_, i) => `line ${i} ${'x'.repeat(width)}\n`);

/** A FIFO with both ends open non-blocking, as a pipe from a Node parent can be. */
function nonBlockingPipe(): { readFd: number; writeFd: number } {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const readFd = fs.openSync(fifo, O_RDONLY | O_NONBLOCK);
  const writeFd = fs.openSync(fifo, O_WRONLY | O_NONBLOCK);
  fds.push(writeFd);
  return { readFd, writeFd };
}

/** Settles once the first fs.write (passed through to the real one) has called back. */
function firstWriteDone(): Promise<void> {
  const realWrite = fs.write as (...args: unknown[]) => void;
  return new Promise((resolve) => {
    jest.spyOn(fs, 'write').mockImplementation((...args: unknown[]) => {
      const done = args[args.length - 1] as (error: Error | null, written: number) => void;
      realWrite(...args.slice(0, -1), (error: Error | null, written: number) => {
        done(error, written);
        resolve();
      });
    });
  });
}

describe('LineBatchWriter', () => {
  it('keeps lines until flushed, then writes them in order in one write', async () => {
    const { fd, read } = openFile();
    const writer = writerOn(fd, { batchChars: 1 << 20 });
    const writes = jest.spyOn(fs, 'write');
    const lines = numbered(50);
    for (const line of lines) writer.write(line);
    await new Promise((resolve) => setImmediate(resolve));
    expect(read()).toBe('');
    expect(await flushed(writer)).toBeUndefined();
    expect(read()).toBe(lines.join(''));
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('writes a batch once it reaches batchChars, without flush or timer', async () => {
    const { fd, read } = openFile();
    const writer = writerOn(fd, { batchChars: 1000 });
    const lines = numbered(3, 400);
    const wrote = firstWriteDone();
    for (const line of lines) writer.write(line);
    await wrote;
    expect(read()).toBe(lines.join(''));
  });

  it('writes a quiet line when the timer fires', async () => {
    const { fd, read } = openFile();
    const writer = writerOn(fd, { batchChars: 1 << 20, flushEveryMs: 20 });
    const wrote = firstWriteDone();
    writer.write('alone\n');
    await wrote;
    expect(read()).toBe('alone\n');
  });

  it('writes the waiting lines synchronously with flushSync', () => {
    const { fd, read } = openFile();
    const writer = writerOn(fd, { batchChars: 1 << 20 });
    const lines = numbered(20);
    for (const line of lines) writer.write(line);
    writer.flushSync();
    expect(read()).toBe(lines.join(''));
  });

  it('keeps every line, in order, through a full non-blocking pipe (EAGAIN) and a 1 MB line', async () => {
    const { readFd, writeFd } = nonBlockingPipe();
    let full!: () => void;
    const becameFull = new Promise<void>((resolve) => (full = resolve));
    const writer = writerOn(writeFd, { batchChars: 4096, onFull: () => full() });
    const lines = [...numbered(1000, 200), `big ${'y'.repeat(1 << 20)}\n`, ...numbered(500, 100)];
    const expected = lines.join('');
    for (const line of lines) writer.write(line);
    const allWritten = flushed(writer);
    // Reading starts only once the pipe was full; a writer that gave up settles allWritten first.
    await Promise.race([becameFull, allWritten]);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    let received = 0;
    const readAll = new Promise<void>((resolve) => {
      reader.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= Buffer.byteLength(expected)) resolve();
      });
    });
    expect(await allWritten).toBeUndefined();
    await readAll;
    reader.destroy();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });

  it('goes quiet, without throwing, when its reader is gone (EPIPE)', async () => {
    const { readFd, writeFd } = nonBlockingPipe();
    fs.closeSync(readFd);
    const writer = writerOn(writeFd, { batchChars: 1 << 20 });
    writer.write('nobody reads this\n');
    expect((await flushed(writer))?.message).toMatch(/EPIPE/);
    expect(writer.write('nor this\n')).toBe(true);
    expect(() => writer.flushSync()).not.toThrow();
    expect(await flushed(writer)).toBeDefined();
  });

  it('is a destination pino and the pre-serialised request line both write to', async () => {
    const { fd, read } = openFile();
    const writer = writerOn(fd, { batchChars: 1 << 20 });
    const log = pino({ base: { role: 'api' } }, writer);
    log.info({ jobId: 'q.1' }, 'job started');
    const request = {
      method: 'POST',
      url: '/actions/x',
      headers: {},
      socket: { remoteAddress: '127.0.0.1' },
    };
    logRequestLine(log, request as never, { statusCode: 202 } as never, 3);
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    const [job, line] = read()
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(job).toMatchObject({ role: 'api', jobId: 'q.1', msg: 'job started' });
    expect(line).toMatchObject({ role: 'api', res: { statusCode: 202 }, msg: 'request completed' });
  });

  it('writes every line in order when the process exits right after logging them', async () => {
    const module = path.join(__dirname, 'line-batch-writer.ts');
    // Node 24 strips the types of line-batch-writer.ts itself, so the child runs the source.
    const script = `
      import { LineBatchWriter } from ${JSON.stringify(module)};
      const writer = new LineBatchWriter({ fd: 1, batchChars: 4096, flushEveryMs: 200 });
      process.once('exit', () => writer.flushSync());
      setImmediate(() => {
        for (let i = 0; i < 5000; i++) writer.write('line ' + i + ' ' + 'z'.repeat(i % 300) + '\\n');
        process.exit(0);
      });`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--no-warnings', '--input-type=module', '-e', script],
        { maxBuffer: 64 << 20 },
        (error, out) => (error ? reject(new Error(error.message)) : resolve(out)),
      );
    });
    const expected = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'z'.repeat(i % 300)}\n`);
    expect(stdout).toBe(expected.join(''));
  });
});
