import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { requestSignatureHeader, signatureHeader } from '../../src/auth/signature';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';
import { testRedisUrl } from '../support/test-env';

const SECRET = 'signing-secret-for-replay-0123';
const TOLERANCE_S = 60;

/**
 * `signed` mode: the signature covers timestamp, method, path, query and body, and each one is
 * accepted once, on whichever API replica it arrives (the claim lives in Redis).
 */
describe('signed requests cannot be replayed or moved', () => {
  let first: TestStack;
  let second: TestStack;
  let redis: Redis;

  beforeAll(async () => {
    const env = {
      AUTH_MODE: 'signed',
      SIGNING_SECRET: SECRET,
      SIGNING_TOLERANCE_S: String(TOLERANCE_S),
      // Two sub-actions (/actions/launch/<name>) to move a signature between.
      LAUNCHERS: JSON.stringify(
        ['review', 'edit'].map((name) => ({
          name,
          label: name,
          url: 'https://tool.example/{shot}',
        })),
      ),
    };
    first = await startStack({ workers: false, extra: [EchoModule], env });
    // A second API replica on the same Redis and queue prefix.
    second = await startStack({
      workers: false,
      extra: [EchoModule],
      env: { ...env, QUEUE_PREFIX: first.env.QUEUE_PREFIX! },
    });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    redis?.disconnect();
    await second?.close();
    await first?.close();
  });

  function click(): string {
    return JSON.stringify({
      userid: randomUUID(),
      useremail: 'script@studio.example',
      productionid: null,
      selection: [randomUUID()],
    });
  }

  interface Signed {
    target: string;
    timestamp: number;
    signature: string;
    body: string;
    type: string;
  }

  function sign(target: string, body = click(), type = 'application/json'): Signed {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = requestSignatureHeader(SECRET, timestamp, { method: 'POST', target }, body);
    return { target, timestamp, signature, body, type };
  }

  function send(stack: TestStack, signed: Signed, overrides: Partial<Signed> = {}) {
    const { target, timestamp, signature, body, type } = { ...signed, ...overrides };
    return request(stack.url)
      .post(target)
      .set('Content-Type', type)
      .set('X-Kitsu-Actions-Timestamp', String(timestamp))
      .set('X-Kitsu-Actions-Signature', signature)
      .send(body);
  }

  it('accepts a signature once, then refuses it on this replica and the other (409)', async () => {
    const signed = sign('/actions/echo?shot=sh010');
    await send(first, signed).expect(202);
    for (const stack of [first, second, first]) {
      const replay = await send(stack, signed).expect(409);
      expect(replay.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        rule: 'signature-replay',
        message: expect.stringMatching(/already received \(replay refused\)/),
      });
    }
  });

  it('refuses a replay through the Nest route (a form) as through the fast lane', async () => {
    const form = new URLSearchParams({
      personid: randomUUID(),
      personemail: 'script@studio.example',
      selection: randomUUID(),
    }).toString();
    const signed = sign('/actions/echo', form, 'application/x-www-form-urlencoded');
    await send(second, signed).expect(303);
    const replay = await send(first, signed).expect(409);
    expect(replay.headers['content-type']).toMatch(/^text\/html/);
    expect(replay.text).toContain('replay refused');
  });

  it('remembers a signature only while its timestamp is inside the tolerance window', async () => {
    const signed = sign('/actions/echo');
    await send(first, signed).expect(202);
    const hex = signed.signature.slice('v2='.length);
    const ttl = await redis.ttl(`${first.env.QUEUE_PREFIX}:signed-used:${hex}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TOLERANCE_S + 1);
  });

  it.each<[string, (s: Signed) => Partial<Signed>]>([
    ['to another action', (s) => ({ target: s.target.replace('echo', 'inspect') })],
    ['to another query', (s) => ({ target: `${s.target}&fail=permanent` })],
    ['without its query', () => ({ target: '/actions/echo' })],
    ['with another body', () => ({ body: click() })],
  ])('refuses a signature moved %s (401)', async (_name, move) => {
    const signed = sign('/actions/echo?shot=sh020');
    const res = await send(first, signed, move(signed)).expect(401);
    expect(res.body.message).toBe('The signature does not match the method, path, query and body');
    // The untouched request still goes through: the moved copy did not spend it.
    await send(second, signed).expect(202);
  });

  it('refuses a signature moved to another sub-action (401)', async () => {
    const signed = sign('/actions/launch/review');
    const res = await send(first, signed, { target: '/actions/launch/edit' }).expect(401);
    expect(res.body.message).toMatch(/does not match the method, path, query and body/);
    await send(second, signed).expect(202);
  });

  it('refuses the old body-only signature (v1) and says what is expected', async () => {
    const body = click();
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await send(first, {
      target: '/actions/echo',
      timestamp,
      signature: signatureHeader(SECRET, timestamp, body),
      body,
      type: 'application/json',
    }).expect(401);
    expect(res.body.message).toMatch(/must look like v2=<hex>/);
  });

  it('still refuses a stale timestamp (401), before any replay bookkeeping', async () => {
    const signed = sign('/actions/echo');
    const old = signed.timestamp - TOLERANCE_S - 5;
    const res = await send(first, signed, {
      timestamp: old,
      signature: requestSignatureHeader(
        SECRET,
        old,
        { method: 'POST', target: '/actions/echo' },
        signed.body,
      ),
    }).expect(401);
    expect(res.body.message).toMatch(/too old/);
  });
});
