import { Writable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import {
  lineLoggerOf,
  logRequestLine,
  requestLogFields,
  requestLogLevel,
  responseLogFields,
} from './request-line';

function lines(): {
  stream: Writable;
  read: () => Array<Record<string, unknown>>;
  raw: () => string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    raw: () => chunks.join(''),
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

  describe('assembled in one string, byte for byte what pino writes', () => {
    const fixedTime = () => ',"time":1700000000000';
    const options = { base: { role: 'api' }, timestamp: fixedTime };

    /** The line as logRequestLine writes it, and as pino writes the same fields. */
    function bothLines(req: IncomingMessage, res: ServerResponse): [string, string] {
      const ours = lines();
      logRequestLine(pino(options, ours.stream), req, res, 7);
      const theirs = lines();
      const level = requestLogLevel(res.statusCode);
      lineLoggerOf(pino(options, theirs.stream))[level](
        {
          requestId: (req as IncomingMessage & { requestId?: string }).requestId,
          req: requestLogFields(req, true),
          res: responseLogFields(res),
          responseTime: 7,
        },
        res.statusCode >= 500 ? 'request errored' : 'request completed',
      );
      return [ours.raw(), theirs.raw()];
    }

    const click = (extra: Record<string, unknown> = {}) =>
      ({
        id: 'req-1',
        requestId: 'req-1',
        method: 'POST',
        url: '/actions/inspect?key=shh&view=tok&x="q"\\',
        headers: {
          'user-agent': 'Mozilla "5.0" \\ é \u2028 \u0001',
          'content-type': 'application/json',
          'content-length': '120',
          'x-forwarded-for': '10.0.0.1, 10.0.0.2',
          authorization: 'Bearer secret-token',
          cookie: 'access_token_cookie=secret-cookie',
          'x-kitsu-actions-signature': 'sha256=secret-signature',
          'x-not-logged': 'nope',
        },
        socket: { remoteAddress: '::ffff:127.0.0.1' },
        ...extra,
      }) as unknown as IncomingMessage;

    it.each([202, 403, 429, 500, 503])('for a %i answer', (status) => {
      const [ours, theirs] = bothLines(click(), response(status));
      expect(ours).toBe(theirs);
      for (const secret of ['shh', 'tok', 'secret-token', 'secret-cookie', 'secret-signature'])
        expect(ours).not.toContain(secret);
      expect(ours).not.toContain('content-security-policy');
      expect(ours).not.toContain('x-not-logged');
    });

    it('without the fields a request may lack', () => {
      const bare = click({ headers: {}, socket: {}, requestId: undefined, id: undefined });
      const [ours, theirs] = bothLines(bare, response(202));
      expect(ours).toBe(theirs);
      expect(JSON.parse(ours)).toMatchObject({ req: { headers: {} }, res: { statusCode: 202 } });
    });

    it('goes through pino when the logger adds to each line (a mixin)', () => {
      const { stream, read } = lines();
      logRequestLine(pino({ mixin: () => ({ extra: 1 }) }, stream), click(), response(202), 3);
      const [line] = read();
      expect(line).toMatchObject({ extra: 1, msg: 'request completed', responseTime: 3 });
      expect(JSON.stringify(line)).not.toContain('secret');
    });

    it('writes nothing below the logger level', () => {
      const { stream, raw } = lines();
      logRequestLine(pino({ level: 'warn' }, stream), click(), response(202), 3);
      expect(raw()).toBe('');
    });
  });
});
