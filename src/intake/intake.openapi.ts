import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiSchema,
  ApiSecurity,
  ApiSeeOtherResponse,
  DECORATORS,
  getSchemaPath,
  type ApiBodyOptions,
  type ApiPropertyOptions,
} from '@nestjs/swagger';
import { ENTITY_TYPES } from '../actions/action.types';
import { ApiErrorResponses, SECURITY } from '../http/api-docs';
import type { Accepted } from './action-intake.service';
import type { ActionSummary } from './intake.controller';
import { FIELD_NAMES, KitsuActionRequestDto, type KitsuField } from './kitsu-request';

/**
 * The intake's part of the OpenAPI document: the request bodies Kitsu sends, derived from the
 * DTO's @ApiProperty lines under Kitsu's two name sets (FIELD_NAMES), and the answers' shapes.
 */

/**
 * How a field is written in a form post where that differs from JSON: every value is a string
 * (a hidden input's value), so the task ids come joined by commas and "no project" is empty.
 */
const AS_FORM_VALUE: Partial<Record<KitsuField, ApiPropertyOptions>> = {
  projectId: {
    type: String,
    required: false,
    description: 'Project of the first selected task, or empty on pages spanning projects',
    example: '0b7a4c22-3c6f-4d6e-8c51-2a3b4c5d6e7f',
  },
  taskIds: {
    type: String,
    description:
      'Selected TASK ids joined by commas (one field, or repeated fields), at most MAX_SELECTION; duplicates are folded',
    example: '1d2f7c55-4c3b-4a2e-9f10-aa11bb22cc33,2e3a8d66-5d4c-4b3f-8a21-bb22cc33dd44',
  },
  entityType: {
    enum: [...ENTITY_TYPES, ''],
    required: false,
    description: 'Kitsu’s guess from the page (episode on My tasks), or empty',
    example: 'shot',
  },
};

/** A schema class holding the DTO's fields under one of Kitsu's name sets. */
function kitsuRequestSchema(format: 'ajax' | 'form', name: string, description: string): Type {
  const schema = class {};
  for (const field of Object.keys(FIELD_NAMES) as KitsuField[]) {
    const names: readonly string[] = FIELD_NAMES[field];
    const fromDto = Reflect.getMetadata(
      DECORATORS.API_MODEL_PROPERTIES,
      KitsuActionRequestDto.prototype,
      field,
    ) as ApiPropertyOptions;
    const options = (format === 'form' && AS_FORM_VALUE[field]) || fromDto;
    ApiProperty({ ...options, name: format === 'ajax' ? names[0] : names[names.length - 1] })(
      schema.prototype,
      field,
    );
  }
  // Not a Kitsu field: scripts may set the options of an action that declares some (options.ts).
  ApiProperty({
    name: 'options',
    required: false,
    type: Object,
    additionalProperties: true,
    description:
      'Options of an action that declares some: the <Action>Options schema of the action posted to (RenderOptions, PlaylistOptions, StatsOptions…; forward/<forwarder>: the fields its configuration declares), any subset; the rest keep their defaults. A bad one is a 400 naming options.<name>. Or in the query instead, one options.<name>=value each (never both). See docs/options.md.',
  })(schema.prototype, 'options');
  ApiSchema({ name, description })(schema);
  return schema;
}

export const KitsuAjaxRequest = kitsuRequestSchema(
  'ajax',
  'KitsuAjaxRequest',
  'Kitsu’s AJAX mode (is_ajax true): a JSON POST from the browser with its cookies; Kitsu shows the person nothing of the answer.',
);

export const KitsuFormRequest = kitsuRequestSchema(
  'form',
  'KitsuFormRequest',
  'Kitsu’s form mode (is_ajax false): a form POST opening a new tab, answered with a 303 to the job page. Kitsu’s own docs show these names as JSON, so scripts send them that way too.',
);

/** The intake's body: either name set, in either encoding (kitsu-request.ts reads both). */
export const KITSU_REQUEST_BODY: ApiBodyOptions = {
  required: true,
  description:
    'What Kitsu posts when someone runs a custom action. Either name set is accepted in either encoding; sending both with different values is a 400; unknown fields are ignored.',
  schema: {
    anyOf: [{ $ref: getSchemaPath(KitsuAjaxRequest) }, { $ref: getSchemaPath(KitsuFormRequest) }],
  },
};

@ApiSchema({ name: 'Accepted', description: 'The job is stored in its queue' })
export class AcceptedBody implements Accepted {
  @ApiProperty({ description: 'The job’s id', example: 'inspect.Zk3x9QpLr2T8mV1a' })
  jobId!: string;

  @ApiProperty({ description: 'The action, with its sub-action if any', example: 'launch/rv' })
  action!: string;

  @ApiProperty({ enum: ['queued', 'duplicate'] })
  status!: Accepted['status'];

  @ApiProperty({
    description: 'true when the same click within DEDUPE_WINDOW gave back the existing job',
  })
  duplicate!: boolean;

  @ApiProperty({
    format: 'uri',
    description: 'The job page, with the view token that opens it for whoever clicked',
  })
  statusUrl!: string;
}

@ApiSchema({ name: 'MenuEntry' })
export class MenuEntryBody {
  @ApiProperty({ description: 'The name Kitsu’s menu shows', example: 'Launch: rv' })
  label!: string;

  @ApiProperty({ format: 'uri', description: 'The URL to register in Kitsu' })
  url!: string;

  @ApiProperty({
    description:
      'Its is_ajax in Kitsu: false when it asks for options (e.g. a forwarder that declares fields)',
  })
  ajax!: boolean;
}

@ApiSchema({ name: 'ActionSummary' })
export class ActionSummaryBody implements ActionSummary {
  @ApiProperty({ example: 'inspect' })
  name!: string;

  @ApiProperty()
  label!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({
    description: 'Entity types whose tasks it takes, or "all"',
    oneOf: [
      { type: 'array', items: { type: 'string', enum: [...ENTITY_TYPES] } },
      { type: 'string', enum: ['all'] },
    ],
  })
  entityTypes!: string[] | 'all';

  @ApiProperty({
    description: 'Whether to register it in Kitsu with is_ajax (true only when every entry is)',
  })
  ajax!: boolean;

  @ApiProperty({ type: String, isArray: true, format: 'uri' })
  urls!: string[];

  @ApiProperty({
    type: MenuEntryBody,
    isArray: true,
    description: 'Menu entries as `actions:register` writes them',
  })
  entries!: MenuEntryBody[];
}

@ApiSchema({ name: 'ActionList' })
export class ActionListBody {
  @ApiProperty({ type: ActionSummaryBody, isArray: true, description: 'Every public action' })
  actions!: ActionSummaryBody[];
}

const JOB_PAGE = { Location: { description: 'The job page', schema: { type: 'string' } } };

/**
 * Both intake routes: what Kitsu sends and every answer it can get. The `action` parameter's
 * values are the registered actions, filled in when the document is built (http/openapi.ts).
 */
export function ApiIntakeRoute(summary: string) {
  return applyDecorators(
    ApiOperation({
      summary,
      description:
        'What Kitsu posts when someone runs a custom action. Other query parameters (e.g. scope=project) reach the job; credentials never do. Kitsu’s AJAX clicks (JSON) are usually answered by the intake fast lane in front of Nest (src/intake/intake-fast-lane.ts), with the same checks and the same answers.',
    }),
    ApiExtraModels(KitsuAjaxRequest, KitsuFormRequest),
    ApiConsumes('application/json', 'application/x-www-form-urlencoded'),
    ApiBody(KITSU_REQUEST_BODY),
    ApiParam({ name: 'action', description: 'The action (GET /actions lists them)', type: String }),
    // Each AUTH_MODE in force must pass; with AUTH_MODE=none nothing is asked.
    ApiSecurity(SECURITY.actionKey),
    ApiSecurity(SECURITY.kitsuSession),
    ApiSecurity(SECURITY.kitsuBearer),
    ApiSecurity({ [SECURITY.signature]: [], [SECURITY.signatureTimestamp]: [] }),
    ApiAcceptedResponse({
      description: 'Stored in the queue (JSON requests)',
      type: AcceptedBody,
      headers: JOB_PAGE,
    }),
    ApiSeeOtherResponse({
      description: 'Stored; the browser tab goes to the job page (form posts)',
      headers: JOB_PAGE,
    }),
    ApiErrorResponses({
      400: 'A field is missing or wrong; `errors` names each one as sent, and why',
      401: 'No or bad credentials for the AUTH_MODE in force',
      403: 'Refused: the credentials are someone else’s, a cross-site post, or an authorization rule (`rule`)',
      404: 'No such action or sub-action; `knownActions` lists them',
      413: 'Body larger than BODY_LIMIT',
      415: 'Neither application/json nor application/x-www-form-urlencoded',
      429: 'Too many clicks from this address or person; see Retry-After',
      503: 'The job queue (Redis) or Kitsu is unavailable; nothing was stored; see Retry-After',
    }),
  );
}
