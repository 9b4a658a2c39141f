import { Writable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { logRequestLine, requestLogFields, requestLogLevel } from './request-line';

function lines(): { stream: Writable; read: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    read: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const request = (url: string) =>
  ({
    method: 'GET',
    url,
    headers: { 'user-agent': 'test', cookie: 'access_token_cookie=secret' },
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage;

const response = (statusCode: number) =>
  ({
    statusCode,
    getHeaders: () => ({ 'content-security-policy': 'x'.repeat(1500), 'set-cookie': 'a=b' }),
  }) as unknown as ServerResponse;

describe('request log lines', () => {
  it('carry the status but no answer header, and no view token or credential', () => {
    const { stream, read } = lines();
    logRequestLine(
      pino(stream),
      request('/jobs/stats.abc?view=tok3n-secret&x=1'),
      response(200),
      4,
    );
    const [line] = read();
    expect(line.res).toEqual({ statusCode: 200 });
    expect((line.req as { url: string }).url).toBe('/jobs/stats.abc?view=[Redacted]&x=1');
    expect(JSON.stringify(line)).not.toContain('tok3n-secret');
    expect(JSON.stringify(line)).not.toContain('access_token_cookie=secret');
  });

  it('redacts the view token in the fields pino-http logs too', () => {
    expect(requestLogFields(request('/jobs?view=abc')).url).toBe('/jobs?view=[Redacted]');
  });

  it('logs 503 (a dependency down, reported by its own outage line) as a warning', () => {
    expect(requestLogLevel(503)).toBe('warn');
    expect(requestLogLevel(500)).toBe('error');
    expect(requestLogLevel(404)).toBe('warn');
    expect(requestLogLevel(200)).toBe('info');
  });
});
