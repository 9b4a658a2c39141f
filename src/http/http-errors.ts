import type { Request } from 'express';
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
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

/**
 * A browser tab (Kitsu's form mode, or a person opening a link) gets HTML; scripts and
 * Kitsu's AJAX mode get JSON.
 */
export function wantsHtml(req: Request): boolean {
  if (req.method === 'POST' && req.is('application/x-www-form-urlencoded')) return true;
  const accept = req.headers.accept;
  if (!accept) return false;
  return req.accepts(['application/json', 'text/html']) === 'text/html';
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
