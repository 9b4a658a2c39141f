import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rejectionOf, silentServer } from '../../test/support/farm-fixtures';
import { FarmError } from './farm.errors';
import { farmMessageOf, FarmHttp, parseRetryAfter, type FarmHttpAnswer } from './farm-http';
import { hashedOutputPath, directoryOf, baseNameOf } from './farm-spec';

const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): FarmHttpAnswer => ({ status, body, headers: new Headers(headers) });

describe('FarmHttp', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/html') {
        response.writeHead(502, { 'Content-Type': 'text/html' });
        response.end('<html><body><h1>502 Bad Gateway</h1> nginx</body></html>');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up after the timeout with a transient error', async () => {
    const silent = await silentServer();
    try {
      const http = new FarmHttp({ farm: 'test', baseUrl: silent.url, timeoutMs: 150 });
      const error = (await rejectionOf(
        http.call({ operation: 'status', method: 'GET', path: '/' }, () => 'never'),
      )) as FarmError;
      expect(error).toMatchObject({ kind: 'timeout', transient: true, operation: 'status' });
      expect(error.farmMessage).toBe('no answer within 150 ms');
      expect(http.stats().byOperation.status).toMatchObject({ transientError: 1, ok: 0 });
    } finally {
      await silent.close();
    }
  });

  it('sends default headers, strips the trailing slash, and reads proxy HTML as text', async () => {
    const http = new FarmHttp({
      farm: 'test',
      baseUrl: url,
      timeoutMs: 1000,
      headers: { Authorization: 'Basic abc' },
    });
    const body = await http.call({ operation: 'ping', method: 'PUT', path: '/x' }, (a) => a.body);
    expect(body).toEqual({ method: 'PUT', auth: 'Basic abc' });
    const error = (await rejectionOf(
      http.call({ operation: 'ping', method: 'GET', path: '/html' }, (a) => {
        throw http.errorFor('ping', a);
      }),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'server', transient: true, status: 502 });
    expect(error.farmMessage).toBe('502 Bad Gateway nginx');
  });

  it('counts a reader that throws something else as a permanent protocol error', async () => {
    const http = new FarmHttp({ farm: 'test', baseUrl: url, timeoutMs: 1000 });
    const error = (await rejectionOf(
      http.call({ operation: 'status', method: 'GET', path: '/' }, () => {
        throw new TypeError('cannot read id');
      }),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'protocol', transient: false });
    expect(http.stats().total).toMatchObject({ ok: 0, permanentError: 1 });
  });

  it.each([
    [400, 'rejected', false],
    [422, 'rejected', false],
    [401, 'unauthorized', false],
    [404, 'not-found', false],
    [408, 'timeout', true],
    [429, 'busy', true],
    [500, 'server', true],
    [503, 'busy', true],
    [504, 'server', true],
  ])('maps HTTP %i to %s (transient: %s)', (status, kind, transient) => {
    const http = new FarmHttp({ farm: 'test', baseUrl: url, timeoutMs: 1000 });
    expect(http.errorFor('submit', answer(status, ''))).toMatchObject({ kind, transient, status });
  });

  it("reads each farm's error shape", () => {
    expect(farmMessageOf(answer(400, { code: 400, message: 'invalid format' }))).toBe(
      'invalid format',
    );
    expect(farmMessageOf(answer(200, { id: 0, error: 'Invalid job.' }))).toBe('Invalid job.');
    expect(farmMessageOf(answer(200, { info: { kind: 'error', text: 'not found' } }))).toBe(
      'not found',
    );
    expect(farmMessageOf(answer(400, 'Error: no Plugin'))).toBe('Error: no Plugin');
    expect(farmMessageOf(answer(500, ''))).toBe('HTTP 500');
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('frame output paths', () => {
  it.each([
    ['/render/sh020/sh020.####', '/render/sh020/sh020.####'],
    ['/render/sh020/sh020.####.exr', '/render/sh020/sh020.####'],
    ['/render/sh020/', '/render/sh020/######'],
    ['R:\\render\\sh020', 'R:\\render\\sh020\\######'],
  ])('%s becomes %s', (given, expected) => {
    expect(hashedOutputPath(given)).toBe(expected);
  });

  it('splits directories and names on either separator', () => {
    expect(directoryOf('/render/sh020/sh020.####')).toBe('/render/sh020');
    expect(directoryOf('R:\\render\\sh020\\f.####')).toBe('R:\\render\\sh020');
    expect(directoryOf('/sh020.blend')).toBe('/');
    expect(baseNameOf('/render/sh020/sh020.####')).toBe('sh020.####');
  });
});
