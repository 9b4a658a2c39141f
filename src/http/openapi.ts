import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ActionRegistry } from '../actions/action-registry.service';
import { ENTITY_TYPES } from '../actions/action.types';
import { AppConfig } from '../config/app.config';

type Schema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const uuid = (description: string): Schema => ({ type: 'string', format: 'uuid', description });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/**
 * The request bodies Kitsu really sends. The intake reads its body itself (both name sets, both
 * encodings), so these schemas are written here from kitsu-request.ts rather than derived from a
 * DTO class, which could describe only one of the two.
 */
const SCHEMAS: Record<string, Schema> = {
  KitsuAjaxRequest: {
    type: 'object',
    description:
      'Kitsu AJAX mode (is_ajax true): a JSON POST from the browser. The form names are accepted too.',
    required: ['userid', 'useremail', 'selection'],
    properties: {
      userid: uuid('Kitsu person id of whoever clicked'),
      useremail: { type: 'string', format: 'email', maxLength: 320 },
      productionid: { ...uuid('Project id; absent on pages spanning projects'), nullable: true },
      originurl: { type: 'string', maxLength: 2000, description: 'Path of the Kitsu page' },
      originserver: {
        type: 'string',
        maxLength: 255,
        description: 'Kitsu host as the browser saw it',
      },
      selection: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', format: 'uuid' },
        description: 'Selected TASK ids (never entity ids); duplicates are folded',
      },
      entitytype: { type: 'string', enum: [...ENTITY_TYPES], nullable: true },
      options: {
        type: 'object',
        additionalProperties: true,
        description:
          'Options of an action that declares some (render: frameRange, priority, framesPerTask; playlist: name; stats: scope), any subset; the rest keep their defaults. 400 names a bad one as options.<name>. See docs/options.md',
      },
    },
    example: {
      userid: '5f1b4a4e-9a43-4b0f-9d6b-0b1d2c3e4f50',
      useremail: 'lea@studio.example',
      productionid: '0b7a4c22-3c6f-4d6e-8c51-2a3b4c5d6e7f',
      originurl: '/productions/0b7a4c22-3c6f-4d6e-8c51-2a3b4c5d6e7f/shots/tasks',
      originserver: 'kitsu.studio.example',
      selection: ['1d2f7c55-4c3b-4a2e-9f10-aa11bb22cc33'],
      entitytype: 'shot',
    },
  },
  KitsuFormRequest: {
    type: 'object',
    description:
      'Kitsu form mode (is_ajax false): a form POST opening a new tab; answered with a 303 to the job page.',
    required: ['personid', 'personemail', 'selection'],
    properties: {
      personid: uuid('Kitsu person id of whoever clicked'),
      personemail: { type: 'string', format: 'email', maxLength: 320 },
      projectid: { type: 'string', description: 'Project id, or empty' },
      currentpath: { type: 'string', maxLength: 2000 },
      currentserver: { type: 'string', maxLength: 255 },
      selection: {
        type: 'string',
        description: 'Selected TASK ids joined by commas: id1,id2,id3',
      },
      entitytype: { type: 'string', enum: [...ENTITY_TYPES, ''] },
    },
  },
  Accepted: {
    type: 'object',
    required: ['jobId', 'action', 'status', 'duplicate', 'statusUrl'],
    properties: {
      jobId: { type: 'string', example: 'inspect.Zk3x9QpLr2T8mV1a' },
      action: { type: 'string', example: 'launch/rv' },
      status: { type: 'string', enum: ['queued', 'duplicate'] },
      duplicate: {
        type: 'boolean',
        description: 'true when the same click within DEDUPE_WINDOW gave back an existing job',
      },
      statusUrl: { type: 'string', format: 'uri' },
    },
  },
  FieldProblem: {
    type: 'object',
    required: ['field', 'reason'],
    properties: {
      field: { type: 'string', description: 'The field as the caller spelled it' },
      reason: { type: 'string' },
    },
  },
  Error: {
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    description:
      'Every error, JSON for scripts and AJAX; form posts get the same as a small HTML page',
    properties: {
      statusCode: { type: 'integer' },
      error: { type: 'string', example: 'Bad Request' },
      message: { type: 'string' },
      errors: { type: 'array', items: ref('FieldProblem') },
    },
  },
  ActionSummary: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      label: { type: 'string' },
      description: { type: 'string' },
      entityTypes: {
        oneOf: [
          { type: 'array', items: { type: 'string' } },
          { type: 'string', enum: ['all'] },
        ],
      },
      ajax: { type: 'boolean' },
      urls: { type: 'array', items: { type: 'string', format: 'uri' } },
    },
  },
  Job: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      action: { type: 'string' },
      state: {
        type: 'string',
        enum: ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'unknown'],
      },
      progress: {
        type: 'object',
        properties: { percent: { type: 'number' }, message: { type: 'string' } },
      },
      result: { description: "The action's result (shape per action)" },
      failedReason: { type: 'string', nullable: true },
      attempts: { type: 'integer' },
      maxAttempts: { type: 'integer' },
      createdAt: { type: 'string', format: 'date-time' },
      startedAt: { type: 'string', format: 'date-time', nullable: true },
      finishedAt: { type: 'string', format: 'date-time', nullable: true },
      requestId: { type: 'string' },
      logs: { type: 'array', items: { type: 'string' } },
    },
  },
};

const ERRORS: Record<string, string> = {
  '400': 'A field is missing or wrong; `errors` names each one and why',
  '401': 'No or bad credentials (AUTH_MODE)',
  '403': 'The credentials belong to someone else than the claimed person',
  '404': 'No such action or sub-action; `knownActions` lists them',
  '413': 'Body larger than BODY_LIMIT',
  '415': 'Neither application/json nor application/x-www-form-urlencoded',
  '422': 'Tasks of an entity type the action does not take',
  '429': 'Too many requests; see Retry-After',
  '503': 'The job queue (Redis) is unavailable; nothing was stored; see Retry-After',
};

function errorResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(ERRORS).map(([status, description]) => [
      status,
      { description, content: { 'application/json': { schema: ref('Error') } } },
    ]),
  );
}

function intakeOperation(actionNames: string[], withVariant: boolean): Operation {
  const parameters: Schema[] = [
    {
      name: 'action',
      in: 'path',
      required: true,
      schema: { type: 'string', enum: actionNames },
    },
  ];
  if (withVariant) {
    parameters.push({
      name: 'variant',
      in: 'path',
      required: true,
      description: 'Launcher or forwarder name (see GET /actions)',
      schema: { type: 'string' },
    });
  }
  parameters.push({
    name: 'key',
    in: 'query',
    required: false,
    description: 'Shared secret (AUTH_MODE=shared-secret); never stored in the job',
    schema: { type: 'string' },
  });
  return {
    tags: ['intake'],
    summary: withVariant ? 'Run a sub-action (launcher, forwarder)' : 'Run an action',
    description:
      'What Kitsu posts when someone runs a custom action. Both of Kitsu’s formats are accepted; other query parameters (e.g. scope=project) go to the job.',
    parameters,
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: ref('KitsuAjaxRequest') },
        'application/x-www-form-urlencoded': { schema: ref('KitsuFormRequest') },
      },
    },
    responses: {
      '202': {
        description: 'Stored in the queue (JSON requests)',
        headers: { Location: { schema: { type: 'string' }, description: '/jobs/<jobId>' } },
        content: { 'application/json': { schema: ref('Accepted') } },
      },
      '303': {
        description: 'Stored; the browser tab goes to the job page (form requests)',
        headers: { Location: { schema: { type: 'string' } } },
      },
      ...errorResponses(),
    },
  };
}

/** The OpenAPI document: routes Nest knows, with the intake described by hand. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = app.get(AppConfig);
  const registry = app.get(ActionRegistry);
  const names = registry
    .all()
    .filter((a) => !a.options.internal)
    .map((a) => a.options.name);
  const base = new DocumentBuilder()
    .setTitle('Kitsu Actions')
    .setDescription(
      'The service behind Kitsu’s "Run custom action" menu: intake of both request formats, jobs and health.',
    )
    .setVersion('1')
    .addServer(config.publicUrl)
    .build();
  const document = SwaggerModule.createDocument(app, base);
  const paths = document.paths as Record<string, Record<string, Operation>>;
  paths['/actions/{action}'] = { post: intakeOperation(names, false) };
  paths['/actions/{action}/{variant}'] = { post: intakeOperation(names, true) };
  const list = paths['/actions']?.get;
  if (list) {
    list.tags = ['intake'];
    list.summary = 'Actions that can be run, with the URL to register in Kitsu';
    list.responses = {
      '200': {
        description: 'Every public action',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: { actions: { type: 'array', items: ref('ActionSummary') } },
            },
          },
        },
      },
    };
  }
  for (const [path, operations] of Object.entries(paths)) {
    for (const operation of Object.values(operations)) {
      if (!operation.tags || (operation.tags as string[]).length === 0) {
        operation.tags = [path.split('/')[1] || 'service'];
      }
    }
  }
  const jobShow = paths['/jobs/{id}']?.get;
  if (jobShow) {
    jobShow.summary = 'A job: JSON for scripts, the live job page for browsers (Accept)';
    jobShow.responses = {
      '200': {
        description: 'The job',
        content: { 'application/json': { schema: ref('Job') }, 'text/html': {} },
      },
      '404': {
        description: 'No such job',
        content: { 'application/json': { schema: ref('Error') } },
      },
      '503': {
        description: 'The job store (Redis) is unavailable; see Retry-After',
        content: { 'application/json': { schema: ref('Error') } },
      },
    };
  }
  const jobList = paths['/jobs']?.get;
  if (jobList) {
    jobList.responses = {
      ...(jobList.responses as object),
      '401': {
        description:
          'No Kitsu session and no board login: log in to Kitsu, or answer the Basic challenge',
        content: { 'application/json': { schema: ref('Error') } },
      },
    };
  }
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), ...SCHEMAS },
  };
  return document;
}

/** Serves the document at /docs/json and a browsable UI at /docs. */
export function mountOpenApi(app: INestApplication): void {
  // Built on first request: the action registry is filled when the application bootstraps.
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/json',
    raw: ['json'],
  });
}
