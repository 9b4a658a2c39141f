import { redactSecretQuery } from './redact';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { KitsuRequestError } from '../intake/kitsu-request';
import { QueueUnavailableError } from '../intake/intake.service';
import { isRedisUnavailable } from '../queues/redis-outage';
import { reasonPhrase, sendError, type ErrorBody } from './http-errors';

function isRedisOutage(exception: unknown): boolean {
  return exception instanceof QueueUnavailableError || isRedisUnavailable(exception);
}

/**
 * One shape for every error answer: status, reason, a message a person can act on, and the
 * fields at fault. Never a stack trace or an internal message: those go to the log only.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const body = errorBodyFor(exception);
    // A Redis outage is logged once by the outage log (src/queues/redis-outage.ts), not per request.
    if (body.statusCode >= 500 && !isRedisOutage(exception)) {
      const detail =
        exception instanceof Error ? (exception.stack ?? exception.message) : exception;
      this.logger.error(`${req.method} ${req.path} -> ${body.statusCode}: ${String(detail)}`);
    }
    sendError(req, res, body);
  }
}

/** The answer to any exception: HTTP ones keep their status and extras, anything else is 500. */
export function errorBodyFor(exception: unknown): ErrorBody {
  if (exception instanceof KitsuRequestError) {
    return {
      statusCode: exception.status,
      error: reasonPhrase(exception.status),
      message: 'The request is not a valid Kitsu custom action request',
      errors: exception.problems,
    };
  }
  if (!(exception instanceof QueueUnavailableError) && isRedisUnavailable(exception)) {
    return {
      statusCode: 503,
      error: reasonPhrase(503),
      message: 'The job store is unavailable. Try again in a few seconds.',
      retryAfter: 5,
    };
  }
  if (exception instanceof QueueUnavailableError) {
    return {
      statusCode: 503,
      error: reasonPhrase(503),
      message: 'The job queue is unavailable; nothing was stored. Try again in a few seconds.',
      retryAfter: 5,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const fromResponse =
      typeof response === 'object' && response !== null
        ? (response as Record<string, unknown>)
        : {};
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray(fromResponse.message)
          ? fromResponse.message.join('; ')
          : typeof fromResponse.message === 'string'
            ? fromResponse.message
            : exception.message;
    const { statusCode: _s, error: _e, message: _m, ...extra } = fromResponse;
    return {
      ...extra,
      statusCode: status,
      error: reasonPhrase(status),
      // Nest's "Cannot PUT /path?key=..." repeats the URL: never with a credential in it.
      // 503s are ours (Zou or Redis unavailable) and say what is missing; other 5xx say nothing.
      message: status >= 500 && status !== 503 ? 'Internal error' : redactSecretQuery(message),
    };
  }
  return { statusCode: 500, error: reasonPhrase(500), message: 'Internal error' };
}
