import type { IncomingMessage, ServerResponse } from 'node:http';
import accepts from 'accepts';
import { escapeHtml, page } from './html';
import type { FieldProblem } from '../intake/kitsu-request';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: FieldProblem[];
  [extra: string]: unknown;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

/**
 * A browser tab (Kitsu's form mode, or a person opening a link) gets HTML; scripts and
 * Kitsu's AJAX mode get JSON. Plain Node types, so Express routes and the intake fast lane
 * decide alike.
 */
export function wantsHtml(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.method === 'POST' && type === 'application/x-www-form-urlencoded') return true;
  if (!req.headers.accept) return false;
  return accepts(req).type(['application/json', 'text/html']) === 'text/html';
}

/** Writes an error answer in the one shape every route uses (HTML or JSON, Retry-After). */
export function sendError(req: IncomingMessage, res: ServerResponse, body: ErrorBody): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (typeof body.retryAfter === 'number') res.setHeader('Retry-After', String(body.retryAfter));
  const html = wantsHtml(req);
  const text = html ? errorPage(body) : JSON.stringify(body);
  res.statusCode = body.statusCode;
  res.setHeader('Content-Type', `${html ? 'text/html' : 'application/json'}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** What a body that could not be read is answered, by body-parser's error type. */
const BODY_ERRORS: Record<string, string> = {
  'entity.too.large': 'The request body is larger than the configured limit',
  'entity.parse.failed': 'The request body is not valid JSON',
  'encoding.unsupported': 'The request body has an unsupported content encoding',
  'charset.unsupported': 'The request body has an unsupported charset',
  'parameters.too.many': 'The form has too many fields',
  'request.aborted': 'The request was aborted',
};

export function bodyError(status: number, type: string | undefined): ErrorBody {
  const reason = BODY_ERRORS[type ?? ''];
  return {
    statusCode: status,
    error: reasonPhrase(status),
    message: reason ?? 'The request body could not be read',
    errors: [{ field: 'body', reason: reason ?? 'could not be read' }],
  };
}

export function errorPage(body: ErrorBody): string {
  const list = body.errors?.length
    ? `<ul>${body.errors
        .map((e) => `<li><code>${escapeHtml(e.field)}</code> ${escapeHtml(e.reason)}</li>`)
        .join('')}</ul>`
    : '';
  return page(
    `${body.statusCode} ${body.error}`,
    `<div class="panel"><h1 class="error">${escapeHtml(body.error)}</h1>
<p>${escapeHtml(body.message)}</p>${list}</div>`,
  );
}
