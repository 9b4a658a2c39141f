import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { startStack, type TestStack } from '../support/stack';

describe('OpenAPI document at /docs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ workers: false });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is a valid OpenAPI document describing both of Kitsu’s request formats', async () => {
    const answer = await request(stack.url).get('/docs/json').expect(200);
    const document = answer.body as OpenAPIV3.Document;
    // Validates against the OpenAPI 3 schema and resolves every $ref.
    await SwaggerParser.validate(structuredClone(document) as never);

    const run = document.paths['/actions/{action}']?.post as OpenAPIV3.OperationObject;
    const body = run.requestBody as OpenAPIV3.RequestBodyObject;
    expect(Object.keys(body.content).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    const schemas = document.components!.schemas as Record<string, OpenAPIV3.SchemaObject>;
    expect(Object.keys(schemas.KitsuAjaxRequest.properties!)).toEqual(
      expect.arrayContaining(['userid', 'useremail', 'productionid', 'originurl', 'selection']),
    );
    expect(Object.keys(schemas.KitsuFormRequest.properties!)).toEqual(
      expect.arrayContaining(['personid', 'personemail', 'projectid', 'currentpath', 'selection']),
    );
    // The action parameter lists the registered actions.
    const action = (run.parameters as OpenAPIV3.ParameterObject[]).find((p) => p.name === 'action');
    expect((action!.schema as OpenAPIV3.SchemaObject).enum).toEqual(
      expect.arrayContaining(['inspect', 'stats', 'playlist', 'render', 'launch', 'forward']),
    );
    // Answers and the one error shape.
    expect(Object.keys(run.responses)).toEqual(
      expect.arrayContaining(['202', '303', '400', '401', '403', '404', '413', '415', '503']),
    );
    expect(schemas.Error.required).toEqual(['statusCode', 'error', 'message']);
    expect(document.paths['/actions/{action}/{variant}']).toBeDefined();
    expect(document.paths['/jobs/{id}']).toBeDefined();
    expect(document.paths['/health/ready']).toBeDefined();
  });

  it('serves a browsable UI', async () => {
    const page = await request(stack.url).get('/docs').redirects(1).expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});
