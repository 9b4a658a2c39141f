import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderMiddleware } from '../intake/intake-fast-lane';

/**
 * The headers a header middleware sets on every answer whatever the request, as a flat
 * `[name, value, name, value...]` list for `res.writeHead`, or null when it cannot be shown to be
 * fixed. helmet with plain-string options is such a middleware: running it once at start-up and
 * handing its headers to writeHead spares the intake fast lane a dozen setHeader calls per click
 * (setHeader validates and stores each one, then they are all serialised again).
 *
 * The middleware runs against a request it may not read at all and an answer on which it may only
 * set (string values) and remove headers, and it must call next() at once without an error. Any
 * other use (reading a request header, say, as CORS does) means its headers may vary: null.
 */
export function fixedHeadersOf(middleware: HeaderMiddleware): string[] | null {
  const headers = new Map<string, [string, string]>();
  let varies = false;
  let finished = false;
  const untouchable = (): object =>
    new Proxy(
      {},
      {
        get: () => {
          varies = true;
          return undefined;
        },
      },
    );
  const res = new Proxy(
    {},
    {
      get: (_target, property) => {
        if (property === 'setHeader') return setHeader;
        if (property === 'removeHeader')
          return (name: string) => headers.delete(name.toLowerCase());
        varies = true;
        return undefined;
      },
    },
  );
  const setHeader = (name: string, value: unknown): unknown => {
    if (typeof value !== 'string') varies = true;
    headers.set(name.toLowerCase(), [name, String(value)]);
    return res;
  };
  try {
    middleware(untouchable() as IncomingMessage, res as ServerResponse, (error?: unknown) => {
      finished = error === undefined;
    });
  } catch {
    return null;
  }
  if (varies || !finished) return null;
  return [...headers.values()].flat();
}
