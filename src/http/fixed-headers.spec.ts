import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import cors from 'cors';
import helmet from 'helmet';
import type { HeaderMiddleware } from '../intake/intake-fast-lane';
import { fixedHeadersOf } from './fixed-headers';

/** The headers a middleware sets on a real answer, as [lower-case name, value] pairs. */
function setOnRealAnswer(middleware: HeaderMiddleware): Array<[string, string]> {
  const req = new IncomingMessage(new Socket());
  req.headers = { origin: 'https://kitsu.example' };
  const res = new ServerResponse(req);
  middleware(req, res, () => undefined);
  return Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]);
}

function pairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i].toLowerCase(), flat[i + 1]]);
  return out;
}

describe('fixedHeadersOf', () => {
  it("records helmet's headers exactly as it sets them on an answer", () => {
    const middleware = helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"] } },
      referrerPolicy: { policy: 'same-origin' },
      crossOriginEmbedderPolicy: false,
    });
    const fixed = fixedHeadersOf(middleware);
    expect(fixed).not.toBeNull();
    expect(pairs(fixed!)).toEqual(setOnRealAnswer(middleware));
    expect(pairs(fixed!)).toContainEqual(['x-content-type-options', 'nosniff']);
  });

  it('refuses a middleware whose headers depend on the request (CORS)', () => {
    const middleware = cors({ origin: ['https://kitsu.example'], credentials: true });
    expect(fixedHeadersOf(middleware)).toBeNull();
  });

  it('refuses a middleware that does not call next at once, or fails', () => {
    expect(fixedHeadersOf(() => undefined)).toBeNull();
    expect(fixedHeadersOf((_req, _res, next) => next(new Error('no')))).toBeNull();
    expect(
      fixedHeadersOf(() => {
        throw new Error('no');
      }),
    ).toBeNull();
  });
});
