import type { ZouPerson } from '../../../src/zou/zou.types';

/** An answer a handler gives by throwing (Zou's error shapes). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      typeof body === 'object' && body && 'message' in body
        ? String(body.message)
        : `HTTP ${status}`,
    );
  }
}

/** Zou's (werkzeug's) words for a 404 and a 403, whatever was missing or refused. */
export const NOT_FOUND_MESSAGE =
  '404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';
export const FORBIDDEN_MESSAGE =
  "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";

/** A business error (WrongParameterException): `data` is null unless given. */
export const badRequest = (message: string, data: unknown = null) =>
  new HttpError(400, { error: true, message, data });
/** Zou's request validation error, naming each field. */
export const validationError = (errors: Array<{ field: string; message: string }>) =>
  new HttpError(400, { error: true, message: 'Validation error.', data: { errors } });
export const forbidden = () => new HttpError(403, { error: true, message: FORBIDDEN_MESSAGE });
/** Zou answers every unknown id with the generic 404; the label only documents the call site. */
export const notFound = (_label?: string) =>
  new HttpError(404, { error: true, message: NOT_FOUND_MESSAGE });

export type Query = Record<string, string>;

export interface RequestContext {
  method: string;
  /** Path below /api. */
  path: string;
  params: Record<string, string>;
  query: Query;
  body: unknown;
  /** The authenticated person (null on public routes). */
  person: ZouPerson | null;
}

/** An answer other than 200 with a JSON body. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    /** For a binary body (a Buffer): its content type. */
    readonly contentType?: string,
  ) {}
}

export type Handler = (context: RequestContext) => unknown;

export type RouteAuth = 'none' | 'access' | 'refresh';

export interface Route {
  method: string;
  /** Zou's path template below /api, e.g. `/data/tasks/:id`. */
  template: string;
  auth: RouteAuth;
  handler: Handler;
  segments: string[];
}

/** Matches paths segment by segment; literal segments are tried before parameters. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler, auth: RouteAuth = 'access'): this {
    this.routes.push({ method, template, auth, handler, segments: split(template) });
    return this;
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    const parts = split(path);
    let best: { route: Route; params: Record<string, string>; literals: number } | null = null;
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const segment = route.segments[i];
        if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(parts[i]);
        else if (segment === parts[i]) literals++;
        else ok = false;
      }
      if (ok && (!best || literals > best.literals)) best = { route, params, literals };
    }
    return best ? { route: best.route, params: best.params } : null;
  }

  /** True when the path exists with another method (405 rather than 404). */
  hasPath(path: string): boolean {
    const parts = split(path);
    return this.routes.some(
      (route) =>
        route.segments.length === parts.length &&
        route.segments.every((segment, i) => segment.startsWith(':') || segment === parts[i]),
    );
  }
}

function split(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
