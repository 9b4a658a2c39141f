import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/**
 * The request id of a request: the caller's `X-Request-Id` when it is a sane token, else a new
 * UUID. Set once and echoed in the answer; the HTTP log line, the job and the worker's lines
 * about that job all carry it.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const holder = req as IncomingMessage & { requestId?: string };
  if (holder.requestId) return holder.requestId;
  const id = requestIdOf(req);
  if (!res.headersSent) res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The request's id, chosen as assignRequestId does, for a caller that writes the `X-Request-Id`
 * header itself (the intake fast lane writes all its headers in one writeHead).
 */
export function requestIdOf(req: IncomingMessage): string {
  const holder = req as IncomingMessage & { requestId?: string };
  if (holder.requestId) return holder.requestId;
  const given = req.headers['x-request-id'];
  holder.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  return holder.requestId;
}
