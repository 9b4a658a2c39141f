import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startStack, type TestStack } from '../support/stack';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  ms: number;
}

/** The port of a stack's URL. */
function portOf(stack: TestStack): number {
  return Number(new URL(stack.url).port);
}

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends raw bytes on a new connection and resolves with what came back once the server closes
 * it. Nothing here waits on a clock: the server's own timeouts end these exchanges.
 */
async function exchange(port: number, ...writes: Array<string | Buffer>): Promise<RawAnswer> {
  const started = Date.now();
  const socket = await opened(port);
  return readUntilClosed(socket, started, writes);
}

function readUntilClosed(
  socket: Socket,
  started: number,
  writes: Array<string | Buffer> = [],
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the answer still leaves the answer
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed = parseAnswer(text);
      if (!parsed) reject(new Error(`no HTTP answer before the close: ${JSON.stringify(text)}`));
      else resolve({ ...parsed, ms: Date.now() - started });
    });
    for (const data of writes) socket.write(data);
  });
}

/** The first HTTP answer in what a socket received (a 100 Continue is skipped). */
function parseAnswer(text: string): Omit<RawAnswer, 'ms'> | null {
  const answers = text
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter((part) => !/^HTTP\/1\.1 100 /.test(part));
  const first = answers[0];
  const end = first?.indexOf('\r\n\r\n') ?? -1;
  if (!first || end < 0) return null;
  const [statusLine, ...lines] = first.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: first.slice(end + 4) };
}

/** One complete keep-alive request on an open socket, resolving with its answer's status line. */
function askOnce(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(text.split('\r\n')[0]);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
  });
}

function click(): string {
  return JSON.stringify({
    userid: randomUUID(),
    useremail: 'artist@studio.example',
    selection: [randomUUID()],
  });
}

const JSON_POST = (length: string | number, extra = '') =>
  `POST /actions/inspect HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
const FORM_POST = (length: string | number, extra = '') =>
  `POST /actions/inspect HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n${extra}\r\n`;

const REQUEST_TIMEOUT_MS = 800;
const HEADERS_TIMEOUT_MS = 400;

describe('slow and oversized requests, on both intake paths', () => {
  let stack: TestStack;
  let port: number;

  beforeAll(async () => {
    stack = await startStack({
      workers: false,
      env: {
        NODE_ENV: 'production',
        BOARD_PASSWORD: 'board-password-1',
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: 'slow-clients-key-0123456789',
        JOB_VIEW_SECRET: 'slow-clients-view-secret-0123',
        BODY_LIMIT: '1kb',
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        TRUST_PROXY: 'false',
      },
    });
    port = portOf(stack);
  });
  afterAll(() => stack.close());

  it.each([
    ['the fast lane (AJAX JSON)', JSON_POST],
    ['the Nest route (form)', FORM_POST],
  ])('answers a 20 GB declaration 413 at once on %s, with 6 bytes sent', async (_path, head) => {
    const answer = await exchange(port, head('21474836480'), 'abcdef');
    expect(answer.status).toBe(413);
    // JSON for AJAX, the same error as a small page for a form post (a browser tab).
    expect(answer.body).toContain('The request body is larger than the configured limit');
    expect(answer.headers.connection).toBe('close');
    // Long before the request timeout, which would have answered 408.
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
  });

  it('refuses an oversized body before telling the client to send it (Expect: 100-continue)', async () => {
    const answer = await exchange(port, JSON_POST(5000, 'Expect: 100-continue\r\n'));
    expect(answer.status).toBe(413);
  });

  it('answers 413 as soon as an undeclared (chunked) body on the fast lane passes the limit', async () => {
    const chunk = 'x'.repeat(2000);
    const answer = await exchange(
      port,
      'POST /actions/inspect HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      `${chunk.length.toString(16)}\r\n${chunk}\r\n`, // and never the last chunk
    );
    expect(answer.status).toBe(413);
  });

  it.each([
    ['the fast lane (AJAX JSON)', JSON_POST],
    ['the Nest route (form)', FORM_POST],
  ])('answers 408 and closes when a body trickles on %s', async (_path, head) => {
    const answer = await exchange(port, head(500), '{"userid":');
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 408, error: 'Request Timeout' });
    expect(answer.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS * 10);
  });

  it('answers 408 and closes when the headers never end', async () => {
    const answer = await exchange(
      port,
      'POST /actions/inspect HTTP/1.1\r\nHost: test\r\nX-Slow: 1',
    );
    expect(answer.status).toBe(408);
    expect(answer.ms).toBeLessThan(REQUEST_TIMEOUT_MS * 10);
  });

  it('still takes a normal click afterwards', async () => {
    const body = click();
    const answer = await exchange(
      port,
      JSON_POST(Buffer.byteLength(body), 'Connection: close\r\n').replace(
        '/actions/inspect',
        '/actions/inspect?key=slow-clients-key-0123456789',
      ),
      body,
    );
    expect(answer.status).toBe(202);
  });
});

describe('connections per client address', () => {
  const CAP = 3;

  async function withStack(trustProxy: string, run: (port: number) => Promise<void>) {
    const stack = await startStack({
      workers: false,
      env: { MAX_CONNECTIONS_PER_IP: String(CAP), TRUST_PROXY: trustProxy },
    });
    try {
      await run(portOf(stack));
    } finally {
      await stack.close();
    }
  }

  /** CAP connections, each proven open by a keep-alive answer. */
  async function fill(port: number): Promise<Socket[]> {
    const sockets: Socket[] = [];
    for (let i = 0; i < CAP; i++) {
      const socket = await opened(port);
      expect(await askOnce(socket, '/health/live')).toBe('HTTP/1.1 200 OK');
      sockets.push(socket);
    }
    return sockets;
  }

  it('answers 429 and closes past MAX_CONNECTIONS_PER_IP, and lets one in when one closes', async () => {
    await withStack('false', async (port) => {
      const held = await fill(port);
      const refused = await exchange(port, 'GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(JSON.parse(refused.body).message).toMatch(/MAX_CONNECTIONS_PER_IP/);

      // One closes; the server counts it out when its side closes, so try until let in.
      const first = held.shift()!;
      await new Promise<void>((resolve) => {
        first.once('close', () => resolve());
        first.end();
      });
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
        const next = await exchange(
          port,
          'GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n',
        );
        status = next.status;
      }
      expect(status).toBe(200);
      for (const socket of held) socket.destroy();
    });
  });

  it('does not cap a peer that TRUST_PROXY trusts as a proxy (it carries many clients)', async () => {
    await withStack('loopback', async (port) => {
      const held = await fill(port);
      const extra = await opened(port);
      expect(await askOnce(extra, '/health/live')).toBe('HTTP/1.1 200 OK');
      for (const socket of [...held, extra]) socket.destroy();
    });
  });
});
