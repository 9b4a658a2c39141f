import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { BOARD_PATH } from '../../src/dashboard/dashboard';
import { FIELD_NAMES } from '../../src/intake/kitsu-request';
import { startStack, type TestStack } from '../support/stack';

type Schemas = Record<string, OpenAPIV3.SchemaObject>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface ExpressLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every `method /path` the Express router maps, in OpenAPI's spelling (`:id` as `{id}`): Nest's
 * routes, and apps mounted on a path (Bull Board), which count as their GET page.
 */
function mappedRoutes(stack: TestStack): string[] {
  const router = (stack.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } })
    .router;
  const routes = new Set<string>();
  for (const { route, rawPath } of router.stack) {
    const path = (route?.path ?? rawPath ?? '/').replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
    // Middlewares for every path, the docs UI's own files and Nest's catch-all "not found".
    if (path === '/' || path === '/docs' || path.startsWith('/docs/') || path.includes('*'))
      continue;
    for (const method of route ? Object.keys(route.methods) : ['get'])
      routes.add(`${method} ${path}`);
  }
  return [...routes].sort();
}

function documentedRoutes(document: OpenAPIV3.Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item?.[method]).map((method) => `${method} ${path}`),
    )
    .sort();
}

function refsOf(media: OpenAPIV3.MediaTypeObject | undefined): string[] {
  const schema = media?.schema as OpenAPIV3.SchemaObject | undefined;
  return ((schema?.anyOf ?? []) as OpenAPIV3.ReferenceObject[]).map((ref) => ref.$ref);
}

describe('OpenAPI document at /docs, generated from the controllers and DTOs', () => {
  let stack: TestStack;
  let document: OpenAPIV3.Document;
  let schemas: Schemas;

  beforeAll(async () => {
    stack = await startStack({ workers: false });
    const answer = await request(stack.url).get('/docs/json').expect(200);
    document = answer.body as OpenAPIV3.Document;
    schemas = document.components!.schemas as Schemas;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is a valid OpenAPI document', async () => {
    // Validates against the OpenAPI 3 schema and resolves every $ref.
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('names every route the app maps, and only those', () => {
    const mapped = mappedRoutes(stack);
    expect(mapped).toEqual(
      expect.arrayContaining([
        'post /actions/{action}',
        'get /jobs/{id}',
        'get /health/ready',
        `get ${BOARD_PATH}`,
      ]),
    );
    expect(documentedRoutes(document)).toEqual(mapped);
  });

  it('describes both of Kitsu’s request formats, each in both encodings', () => {
    for (const path of ['/actions/{action}', '/actions/{action}/{variant}']) {
      const body = document.paths[path]!.post!.requestBody as OpenAPIV3.RequestBodyObject;
      expect(Object.keys(body.content).sort()).toEqual([
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
      for (const media of Object.values(body.content)) {
        expect(refsOf(media)).toEqual([
          '#/components/schemas/KitsuAjaxRequest',
          '#/components/schemas/KitsuFormRequest',
        ]);
      }
    }
    // Every field of the DTO, under each of Kitsu's names.
    const ajaxNames = Object.values(FIELD_NAMES).map((names) => names[0]);
    const formNames = Object.values(FIELD_NAMES).map((names) => names[names.length - 1]);
    // Both name sets, plus the options a script may set (docs/options.md).
    expect(Object.keys(schemas.KitsuAjaxRequest.properties!).sort()).toEqual(
      [...ajaxNames, 'options'].sort(),
    );
    expect(Object.keys(schemas.KitsuFormRequest.properties!).sort()).toEqual(
      [...formNames, 'options'].sort(),
    );
    expect(schemas.KitsuAjaxRequest.required).toEqual(['userid', 'useremail', 'selection']);
    expect(schemas.KitsuFormRequest.required).toEqual(['personid', 'personemail', 'selection']);
    // The same fact written as each format writes it: a list, or one comma-joined string.
    const ajaxSelection = schemas.KitsuAjaxRequest.properties!.selection as OpenAPIV3.SchemaObject;
    const formSelection = schemas.KitsuFormRequest.properties!.selection as OpenAPIV3.SchemaObject;
    expect(ajaxSelection).toMatchObject({ type: 'array', minItems: 1, items: { format: 'uuid' } });
    expect(formSelection.type).toBe('string');
  });

  it('describes the options of each action that declares some, from its decorators', () => {
    expect(schemas.RenderOptions.properties).toMatchObject({
      priority: { type: 'integer', minimum: 0, maximum: 100 },
      frameRange: { type: 'string' },
    });
    expect(schemas.PlaylistOptions.properties).toMatchObject({
      name: { type: 'string', maxLength: 70 },
      forClient: { type: 'boolean' },
    });
    expect(schemas.StatsOptions.properties).toMatchObject({
      scope: { type: 'string', enum: ['selection', 'project'] },
      dayLength: { type: 'number', minimum: 1, maximum: 24 },
    });
    expect(schemas.InspectOptions).toBeUndefined();
    const options = schemas.KitsuAjaxRequest.properties!.options as OpenAPIV3.SchemaObject;
    expect(options.anyOf).toEqual(
      expect.arrayContaining([
        { $ref: '#/components/schemas/RenderOptions' },
        { $ref: '#/components/schemas/StatsOptions' },
      ]),
    );
    // A job's option values: text, number, yes/no or a list (multi-select).
    const value = schemas.JobOption.properties!.value as OpenAPIV3.SchemaObject;
    expect(value.oneOf).toContainEqual({ type: 'array', items: { type: 'string' } });
  });

  it('lists the registered actions in the intake’s action parameter', () => {
    const run = document.paths['/actions/{action}']!.post!;
    const action = (run.parameters as OpenAPIV3.ParameterObject[]).find((p) => p.name === 'action');
    expect((action!.schema as OpenAPIV3.SchemaObject).enum).toEqual(
      expect.arrayContaining(['inspect', 'stats', 'playlist', 'render', 'launch', 'forward']),
    );
  });

  it('gives every answer, with the one error shape', () => {
    const run = document.paths['/actions/{action}']!.post!;
    expect(Object.keys(run.responses).sort()).toEqual(
      ['202', '303', '400', '401', '403', '404', '413', '415', '429', '503'].sort(),
    );
    const accepted = run.responses['202'] as OpenAPIV3.ResponseObject;
    expect(accepted.content!['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Accepted',
    });
    expect(schemas.Accepted.required).toEqual([
      'jobId',
      'action',
      'status',
      'duplicate',
      'statusUrl',
    ]);
    const retry = document.paths['/jobs/{id}/retry']!.post!;
    expect(Object.keys(retry.responses).sort()).toEqual(['202', '303', '403', '404', '409', '503']);
    const show = document.paths['/jobs/{id}']!.get!;
    const job = show.responses['200'] as OpenAPIV3.ResponseObject;
    expect(Object.keys(job.content!).sort()).toEqual(['application/json', 'text/html']);
    expect(schemas.Job.properties).toHaveProperty('state');
    expect(schemas.ActionList.properties).toHaveProperty('actions');

    expect(schemas.Error.required).toEqual(['statusCode', 'error', 'message']);
    expect(Object.keys(schemas.Error.properties!)).toEqual(
      expect.arrayContaining(['errors', 'rule', 'retryAfter']),
    );
    const invalid = run.responses['400'] as OpenAPIV3.ResponseObject;
    expect(invalid.content!['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    const busy = run.responses['429'] as OpenAPIV3.ResponseObject;
    expect(busy.headers).toHaveProperty('Retry-After');
  });

  it('declares how callers prove who they are', () => {
    const schemes = document.components!.securitySchemes as Record<
      string,
      OpenAPIV3.SecuritySchemeObject
    >;
    expect(schemes.actionKey).toMatchObject({ type: 'apiKey', in: 'query', name: 'key' });
    expect(schemes.kitsuSession).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'access_token_cookie',
    });
    expect(schemes.kitsuBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.signature).toMatchObject({ type: 'apiKey', in: 'header' });
    expect(schemes.boardLogin).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(schemes.viewToken).toMatchObject({ type: 'apiKey', in: 'query', name: 'view' });
    const run = document.paths['/actions/{action}']!.post!;
    expect(run.security).toEqual([
      { actionKey: [] },
      { kitsuSession: [] },
      { kitsuBearer: [] },
      { signature: [], signatureTimestamp: [] },
    ]);
    expect(document.paths[BOARD_PATH]!.get!.security).toEqual([{ boardLogin: [] }]);
  });

  it('serves a browsable UI', async () => {
    const page = await request(stack.url).get('/docs').redirects(1).expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});
