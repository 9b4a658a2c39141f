import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { JobQueues } from '../../src/queues/job-queues.service';
import { startStack, startZouStack, type TestStack } from '../support/stack';

/** A small seeded generator, so a failing case is the same case on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Hostile {
  name: string;
  /** A request that is odd but valid (free text, optional fields): a 2xx is right for it. */
  mayBeAccepted?: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  body: string;
}

/** Raw HTTP, so bodies can be invalid UTF-8 and headers what a browser would never send. */
function send(base: string, hostile: Hostile): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: hostile.method,
        path: hostile.path,
        headers: {
          ...hostile.headers,
          ...(hostile.body ? { 'content-length': String(hostile.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    // An answer that never comes is a finding, not a hang.
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.end(hostile.body);
  });
}

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE tasks; --',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${process.env.ZOU_TOKEN}',
  '../../../../etc/passwd',
  '\u0000\u0001\u0002',
  '%00%0d%0aSet-Cookie: x=1',
  'javascript:alert(1)',
  '\u202e\ufeff\ud83d\ude00',
];

const WRONG_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  ' ',
  [],
  {},
  [[]],
  { $gt: '' },
  'x'.repeat(5000),
  ['not-a-uuid'],
  [randomUUID(), 42],
];

const FIELDS = [
  'userid',
  'useremail',
  'productionid',
  'originurl',
  'originserver',
  'selection',
  'entitytype',
];

/** Free-text fields take any string; optional ones may be empty. Such requests are valid. */
function acceptable(field: string, value: unknown): boolean {
  if (field === 'originurl' || field === 'originserver')
    return typeof value === 'string' || value === null;
  if (field === 'productionid' || field === 'entitytype')
    return value === null || value === '' || value === ' ';
  return false;
}

function validBody(): Record<string, unknown> {
  return {
    userid: randomUUID(),
    useremail: 'artist@studio.example',
    productionid: randomUUID(),
    originurl: '/productions/x/shots/tasks',
    originserver: 'kitsu.studio.example',
    selection: [randomUUID()],
    entitytype: 'shot',
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** At least 200 hostile requests, built from the seed. */
function hostileRequests(random: () => number): Hostile[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const jsonHeaders = { 'content-type': 'application/json' };
  const list: Hostile[] = [];
  const post = (
    name: string,
    body: Buffer,
    headers: Record<string, string> = jsonHeaders,
    path = '/actions/inspect',
    mayBeAccepted = false,
  ) => list.push({ name, method: 'POST', path, headers, body, mayBeAccepted });

  // Broken JSON.
  for (const text of [
    '{',
    '{"userid":',
    '[1,2',
    '{"a":1,}',
    'NaN',
    "{'a':1}",
    '\u0000',
    'null',
    '[]',
    '"x"',
    '1',
    'true',
  ]) {
    post(`bad json ${JSON.stringify(text)}`, json(text));
  }
  // Every field with every wrong type, and random injections.
  for (const field of FIELDS) {
    for (const value of WRONG_VALUES) {
      post(
        `${field} = ${JSON.stringify(value).slice(0, 30)}`,
        json({ ...validBody(), [field]: value }),
        jsonHeaders,
        '/actions/inspect',
        acceptable(field, value),
      );
    }
    for (let i = 0; i < 3; i++) {
      const injected = pick(INJECTIONS);
      const value = field === 'selection' ? [injected] : injected;
      post(
        `${field} injected`,
        json({ ...validBody(), [field]: value }),
        jsonHeaders,
        '/actions/inspect',
        acceptable(field, value),
      );
    }
  }
  // Lone surrogates: JSON's "\ud800" escape in every field (validator.js threw a URIError on
  // them), and the same as raw bytes, which decode to U+FFFD.
  for (const field of FIELDS) {
    const broken = field === 'useremail' ? 'a\ud800b@example.com' : 'x\udc00';
    post(
      `lone surrogate in ${field}`,
      json({ ...validBody(), [field]: field === 'selection' ? [broken] : broken }),
    );
  }
  post('lone surrogate escape as text', json('{"useremail":"a\\ud800b@example.com"}'));
  const cesu = Buffer.from(JSON.stringify({ ...validBody(), originurl: '/x<here>' }));
  const at = cesu.indexOf('<here>');
  post(
    'lone surrogate as raw bytes',
    Buffer.concat([cesu.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), cesu.subarray(at + 6)]),
    jsonHeaders,
    '/actions/inspect',
    true,
  );
  // Missing fields, both name sets disagreeing.
  for (const field of FIELDS) {
    const body = validBody();
    delete body[field];
    if (
      field !== 'productionid' &&
      field !== 'originurl' &&
      field !== 'originserver' &&
      field !== 'entitytype'
    )
      post(`missing ${field}`, json(body));
  }
  post('both names differ', json({ ...validBody(), personid: randomUUID() }));
  // Prototype pollution attempts.
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    post(`${key} at top`, json(`{"${key}":{"polluted":"yes"},"userid":1}`));
    post(
      `${key} in selection`,
      json({ ...validBody(), selection: JSON.parse(`{"${key}":{"polluted":"yes"}}`) }),
    );
    list.push({
      name: `${key} in form`,
      method: 'POST',
      path: '/actions/inspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(`${key}[polluted]=yes&personid=x&selection=y`),
    });
  }
  // Huge and deep.
  post('huge body', Buffer.from(`{"selection":["${'a'.repeat(3 * 1024 * 1024)}"]}`));
  post(
    'huge selection',
    json({ ...validBody(), selection: Array.from({ length: 20000 }, () => randomUUID()) }),
  );
  post('deep nesting', json(nested(5000)));
  post('deep array', json('['.repeat(5000) + ']'.repeat(5000)));
  // Invalid UTF-8 and odd encodings.
  for (let i = 0; i < 8; i++) {
    const bytes = Buffer.from(JSON.stringify(validBody()));
    bytes[Math.floor(random() * bytes.length)] = pick([0xff, 0xfe, 0xc0, 0x80, 0xed]);
    // The bad byte may land inside a free-text value, which then holds U+FFFD and is fine.
    post(`invalid utf-8 ${i}`, bytes, jsonHeaders, '/actions/inspect', true);
  }
  // Valid JSON in another charset that Express decodes: a proper click.
  post(
    'utf-16 body',
    Buffer.from(JSON.stringify(validBody()), 'utf16le'),
    { 'content-type': 'application/json; charset=utf-16' },
    '/actions/inspect',
    true,
  );
  post('gzip claimed', json(validBody()), {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  // Odd content types.
  for (const type of [
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'image/png',
    '*/*',
    'application/json-patch+json',
  ]) {
    post(`content-type ${type}`, json(validBody()), { 'content-type': type });
  }
  list.push({
    name: 'no content type',
    method: 'POST',
    path: '/actions/inspect',
    headers: {},
    body: json(validBody()),
  });
  // Form posts gone wrong.
  for (const form of [
    'selection=',
    'personid=&personemail=&selection=a,b',
    'selection=' + 'x,'.repeat(5000),
    '%%%',
    'a=1&a=2&a=3',
    '=&=&=',
  ]) {
    post(`form ${form.slice(0, 20)}`, Buffer.from(form), {
      'content-type': 'application/x-www-form-urlencoded',
    });
  }
  // Odd methods and paths.
  for (const method of ['PUT', 'DELETE', 'PATCH', 'TRACE']) {
    for (const path of ['/actions/inspect', '/actions', '/jobs/inspect.abc']) {
      list.push({
        name: `${method} ${path}`,
        method,
        path,
        headers: jsonHeaders,
        body: json(validBody()),
      });
    }
  }
  for (const path of [
    '/actions/nope',
    '/actions/inspect/extra/segments',
    '/actions/..%2f..%2fetc%2fpasswd',
    '/actions/%00',
    `/actions/${'a'.repeat(3000)}`,
    '/actions/inspect?key[$ne]=x&key=1&key=2',
    '/actions/inspect?__proto__[polluted]=yes',
    '/actions/launch/%3Cscript%3E',
    '/jobs/..%2f..%2f',
    '/jobs/inspect.%00',
  ]) {
    // Unknown query parameters are dropped, so a polluting one is harmless and the click valid.
    post(
      `path ${path.slice(0, 40)}`,
      json(validBody()),
      jsonHeaders,
      path,
      path.includes('__proto__'),
    );
  }
  // Headers.
  list.push({
    name: 'huge header',
    method: 'POST',
    path: '/actions/inspect',
    headers: { ...jsonHeaders, 'x-junk': 'j'.repeat(20000) },
    body: json(validBody()),
  });
  list.push({
    name: 'bad request id',
    method: 'POST',
    path: '/actions/inspect',
    headers: { ...jsonHeaders, 'x-request-id': '../../etc<script>' },
    body: json({}),
  });
  list.push({
    name: 'forged bearer',
    method: 'POST',
    path: '/actions/inspect',
    headers: { ...jsonHeaders, authorization: 'Bearer ' + 'A'.repeat(4000) },
    body: json({}),
  });
  // Random mutations of a valid body until the list is long enough.
  while (list.length < 240) {
    const body = validBody();
    const field = pick(FIELDS);
    body[field] = random() < 0.5 ? pick(WRONG_VALUES) : pick(INJECTIONS);
    post(
      `random ${field}`,
      json(body),
      jsonHeaders,
      '/actions/inspect',
      acceptable(field, body[field]),
    );
  }
  return list;
}

/** What is wrong with an answer to a hostile request: anything but a clean 4xx (or an allowed 202). */
function findings(hostile: Hostile, answer: Answer): string[] {
  const problems: string[] = [];
  const accepted = hostile.mayBeAccepted && answer.status >= 200 && answer.status < 300;
  if (!accepted && (answer.status < 400 || answer.status > 499))
    problems.push(`status ${answer.status}`);
  if (/\n\s+at |node_modules|\/work\/|\.ts:\d+|Error: /.test(answer.body))
    problems.push('leaks internals');
  if (answer.body.includes('fuzz-shared-key')) problems.push('echoes the secret');
  if (answer.body.length > 20000) problems.push(`body of ${answer.body.length} bytes`);
  if (!accepted && answer.body.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(answer.body) as { statusCode?: number; message?: unknown };
      if (parsed.statusCode !== answer.status || typeof parsed.message !== 'string')
        problems.push('JSON without the error shape');
    } catch {
      problems.push('broken JSON');
    }
  }
  return problems;
}

describe('fuzz: hostile and malformed requests', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      workers: false,
      env: {
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: 'fuzz-shared-key-0123456789',
        BODY_LIMIT: '1mb',
      },
    });
  });
  afterAll(() => stack.close());

  it('answers every one with a clean 4xx and stays healthy', async () => {
    const cases = hostileRequests(seeded(20261128));
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const bad: string[] = [];
    for (const hostile of cases) {
      // Half of them carry the right key, so validation is reached behind authentication.
      if (hostile.path.startsWith('/actions/inspect') && cases.indexOf(hostile) % 2 === 0) {
        hostile.path += `${hostile.path.includes('?') ? '&' : '?'}key=fuzz-shared-key-0123456789`;
      }
      const answer = await send(stack.url, hostile).catch((error: Error) => ({
        status: 0,
        body: `connection error: ${error.message}`,
      }));
      const problems = findings(hostile, answer);
      if (problems.length)
        bad.push(`${hostile.name}: ${problems.join(', ')} (${answer.body.slice(0, 120)})`);
    }
    expect(bad).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    await request(stack.url).get('/health/ready').expect(200);
    await request(stack.url)
      .post('/actions/inspect?key=fuzz-shared-key-0123456789')
      .send(validBody())
      .expect(202);
  });
});

/** Malformed percent-encoding where the service decodes: cookies, paths, query strings. */
const BAD_ESCAPES = ['%E0%A4%A', '%ED%A0%80', '%', '%zz', '%C0%AF', '%FF'];

describe('fuzz: malformed percent-encoding and BullMQ key names, behind Kitsu sessions', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 16, size: 'small' },
      { workers: false, env: { AUTH_MODE: 'kitsu-session' } },
    );
  });
  afterAll(() => stack.close());

  function cases(): Hostile[] {
    const list: Hostile[] = [];
    const body = json(validBody());
    const form = Buffer.from(`personid=${randomUUID()}&personemail=a%40b.co&selection=x`);
    for (const escape of BAD_ESCAPES) {
      const cookie = `access_token_cookie=${escape}`;
      const ajax = { 'content-type': 'application/json', cookie };
      const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', cookie };
      list.push(
        {
          name: `cookie ${escape} ajax`,
          method: 'POST',
          path: '/actions/inspect',
          headers: ajax,
          body,
        },
        {
          name: `cookie ${escape} form`,
          method: 'POST',
          path: '/actions/inspect',
          headers: formHeaders,
          body: form,
        },
        { name: `cookie ${escape} GET /jobs`, method: 'GET', path: '/jobs', headers: { cookie } },
        {
          name: `cookie ${escape} GET /jobs/<id>`,
          method: 'GET',
          path: '/jobs/inspect.abc',
          headers: { cookie, accept: 'text/html' },
        },
        {
          name: `path /actions/${escape}`,
          method: 'POST',
          path: `/actions/${escape}`,
          headers: { 'content-type': 'application/json' },
          body,
        },
        { name: `path /jobs/${escape}`, method: 'GET', path: `/jobs/${escape}`, headers: {} },
        {
          name: `path /jobs/inspect.${escape}/events`,
          method: 'GET',
          path: `/jobs/inspect.${escape}/events`,
          headers: {},
        },
        {
          name: `query ?key=${escape}`,
          method: 'POST',
          path: `/actions/inspect?key=${escape}&${escape}=1`,
          headers: { 'content-type': 'application/json' },
          body,
        },
        {
          name: `query /jobs?person=${escape}`,
          mayBeAccepted: true, // an anonymous caller's (empty) list, whatever it filters on
          method: 'GET',
          path: `/jobs?person=${escape}&limit=${escape}`,
          headers: {},
        },
        {
          name: `form field ${escape}`,
          method: 'POST',
          path: '/actions/inspect',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(`personid=${escape}&personemail=${escape}&selection=${escape}`),
        },
      );
    }
    return list;
  }

  it('answers every one with a clean 4xx', async () => {
    const bad: string[] = [];
    for (const hostile of cases()) {
      const answer = await send(stack.url, hostile).catch((error: Error) => ({
        status: 0,
        body: `connection error: ${error.message}`,
      }));
      const problems = findings(hostile, answer);
      if (problems.length)
        bad.push(`${hostile.name}: ${problems.join(', ')} (${answer.body.slice(0, 120)})`);
    }
    expect(bad).toEqual([]);
  });

  it('names the cookie when its percent-encoding is broken (both intake paths and /jobs)', async () => {
    const cookie = 'access_token_cookie=%E0%A4%A';
    const ajax = await request(stack.url)
      .post('/actions/inspect')
      .set('Cookie', cookie)
      .send(validBody());
    const form = await request(stack.url)
      .post('/actions/inspect')
      .set('Cookie', cookie)
      .type('form')
      .send({ personid: randomUUID(), personemail: 'a@b.co', selection: randomUUID() });
    const jobs = await request(stack.url).get('/jobs').set('Cookie', cookie);
    for (const answer of [ajax, jobs]) {
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        { field: 'cookie access_token_cookie', reason: 'is not valid percent-encoded UTF-8' },
      ]);
    }
    expect(form.status).toBe(400);
    expect(form.text).toContain('access_token_cookie');
  });

  it.each(['meta', 'id', 'events', 'failed', 'completed', 'wait', 'stalled-check', 'marker'])(
    'answers 404 for BullMQ key name %s used as a job id',
    async (suffix) => {
      // A job first, so the queue's own keys (meta, id, events) exist in Redis.
      await stack.app.get(JobQueues).get('inspect').add('probe', { action: 'inspect' });
      for (const path of [`/jobs/inspect.${suffix}`, `/jobs/inspect.${suffix}/events`]) {
        const answer = await request(stack.url).get(path);
        expect([path, answer.status]).toEqual([path, 404]);
        expect(answer.body.message).toMatch(/No job/);
      }
      const retry = await request(stack.url).post(`/jobs/inspect.${suffix}/retry`);
      expect(retry.status).toBe(404);
    },
  );
});
