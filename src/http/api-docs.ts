import { applyDecorators } from '@nestjs/common';
import {
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  type DocumentBuilder,
} from '@nestjs/swagger';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../auth/signature';
import type { FieldProblem } from '../intake/kitsu-request';
import type { ErrorBody } from './http-errors';

/**
 * What the controllers' OpenAPI decorators share: the security schemes callers prove themselves
 * with, and the one error shape every route answers with (http-errors.ts, all-exceptions.filter.ts).
 * A leaf module: controllers import it, and it imports no controller or service.
 */

/** Security scheme names, as the controllers' @ApiSecurity lines and the document use them. */
export const SECURITY = {
  /** AUTH_MODE=shared-secret: `?key=` on the action URL (ACTION_KEY / ACTION_KEYS). */
  actionKey: 'actionKey',
  /** AUTH_MODE=kitsu-session, and who sees which jobs: Kitsu's own session cookie... */
  kitsuSession: 'kitsuSession',
  /** ...or the same JWT as a Bearer token. */
  kitsuBearer: 'kitsuBearer',
  /** AUTH_MODE=signed: HMAC-SHA256 over method, path, query and body, with its timestamp. */
  signature: 'signature',
  signatureTimestamp: 'signatureTimestamp',
  /** BOARD_USER / BOARD_PASSWORD: the dashboard, every job, readiness details. */
  boardLogin: 'boardLogin',
  /** `?view=` on the link the intake hands back: opens that one job for whoever clicked. */
  viewToken: 'viewToken',
} as const;

export function addSecuritySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addApiKey(
      {
        type: 'apiKey',
        in: 'query',
        name: 'key',
        description: 'AUTH_MODE=shared-secret: the action key; never stored in the job',
      },
      SECURITY.actionKey,
    )
    .addCookieAuth(
      'access_token_cookie',
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'AUTH_MODE=kitsu-session: Kitsu’s session JWT, checked with Zou; it reaches this service when it shares Kitsu’s host',
      },
      SECURITY.kitsuSession,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The Kitsu session JWT as a Bearer token (scripts)',
      },
      SECURITY.kitsuBearer,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: SIGNATURE_HEADER,
        description:
          'AUTH_MODE=signed: v2=<hex HMAC-SHA256 of timestamp, method, path with query and body> with SIGNING_SECRET; good for one request',
      },
      SECURITY.signature,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: TIMESTAMP_HEADER,
        description: 'AUTH_MODE=signed: Unix seconds, within SIGNING_TOLERANCE_S of now',
      },
      SECURITY.signatureTimestamp,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description: 'The dashboard login (BOARD_USER / BOARD_PASSWORD)',
      },
      SECURITY.boardLogin,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'query',
        name: 'view',
        description: 'The view token on the job link the intake answered with',
      },
      SECURITY.viewToken,
    );
}

/** The `:id` of every job route (the job API's and the result downloads'). */
export const JOB_ID_PARAM = {
  name: 'id',
  description: 'The job id',
  example: 'inspect.Zk3x9QpLr2T8mV1a',
};

@ApiSchema({ name: 'FieldProblem' })
export class FieldProblemBody implements FieldProblem {
  @ApiProperty({ description: 'The field as the caller spelled it', example: 'selection' })
  field!: string;

  @ApiProperty({ example: 'must hold only task UUIDs' })
  reason!: string;
}

@ApiSchema({
  name: 'Error',
  description:
    'Every error: JSON for scripts and AJAX, the same as a small HTML page for browsers and form posts. Never a stack trace.',
})
export class ErrorResponse implements ErrorBody {
  [extra: string]: unknown;

  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'The request is not a valid Kitsu custom action request' })
  message!: string;

  @ApiPropertyOptional({
    type: FieldProblemBody,
    isArray: true,
    description: '400: each field at fault, named as sent, and why',
  })
  errors?: FieldProblem[];

  @ApiPropertyOptional({
    description: '403: the rule that refused (an authorization rule, cross-site, signature-replay)',
    example: 'task-visibility',
  })
  rule?: string;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    description: '404 on the intake: the actions (or sub-actions) that exist',
  })
  knownActions?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    description: '429 and 503: seconds to wait, also sent as Retry-After',
  })
  retryAfter?: number;

  @ApiPropertyOptional({
    enum: ['address', 'person'],
    description: '429 on the intake: which rate limit was reached',
  })
  limit?: string;

  @ApiPropertyOptional({ description: '503: what could not be reached or confirmed' })
  missing?: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' },
  },
};

/**
 * The error answers of one route, each with the reason it happens there; every one is the Error
 * shape, as JSON (and as an HTML page for browsers).
 */
export function ApiErrorResponses(answers: Partial<Record<ErrorStatus, string>>) {
  return applyDecorators(
    ...Object.entries(answers).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        type: ErrorResponse,
        ...(status === '429' || status === '503' ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
