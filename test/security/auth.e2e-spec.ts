import request from 'supertest';
import { requestSignatureHeader } from '../../src/auth/signature';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { startStack, type TestStack } from '../support/stack';

describe('caller authentication', () => {
  let zou: ZouSimulator;
  let session: TestStack;
  let keyed: TestStack;
  let taskId: string;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 11, size: 'small' });
    session = await startStack({
      workers: false,
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'kitsu-session',
        CORS_ORIGINS: 'https://kitsu.studio.example',
      },
    });
    keyed = await startStack({
      workers: false,
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: 'global-secret-0123456789',
        ACTION_KEYS: 'stats:stats-secret-0123456789',
      },
    });
    taskId = [...zou.data.tasks.keys()][0];
  });
  afterAll(async () => {
    await session.close();
    await keyed.close();
    await zou.close();
  });

  function body(person = zou.data.people.supervisor) {
    return { userid: person.id, useremail: person.email, productionid: null, selection: [taskId] };
  }

  it('accepts a request whose Kitsu session (Bearer or cookie) is the claimed person', async () => {
    const token = zou.tokens.supervisor;
    await request(session.url)
      .post('/actions/inspect')
      .set('Authorization', `Bearer ${token}`)
      .send(body())
      .expect(202);
    await request(session.url)
      .post('/actions/inspect?x=1')
      .set('Cookie', `theme=dark; access_token_cookie=${token}`)
      .send(body())
      .expect(202);
  });

  it('refuses a forged person id carried with another person’s real session (403)', async () => {
    const res = await request(session.url)
      .post('/actions/inspect')
      .set('Authorization', `Bearer ${zou.tokens.artist}`)
      .send(body(zou.data.people.supervisor))
      .expect(403);
    expect(res.body.message).toMatch(/another person/);
  });

  it('takes the claimed id and email in any case, and refuses an email not the session’s (403)', async () => {
    const person = zou.data.people.supervisor;
    const shouted = {
      ...body(person),
      userid: person.id.toUpperCase(),
      useremail: person.email.toUpperCase(),
    };
    await request(session.url)
      .post('/actions/inspect?case=upper')
      .set('Authorization', `Bearer ${zou.tokens.supervisor}`)
      .send(shouted)
      .expect(202);
    const res = await request(session.url)
      .post('/actions/inspect?case=other-email')
      .set('Authorization', `Bearer ${zou.tokens.supervisor}`)
      .send({ ...body(person), useremail: `not-${person.email}` })
      .expect(403);
    expect(res.body.message).toMatch(/email in the request is not the session/);
  });

  it('refuses a missing or expired session (401) and says what is missing', async () => {
    const missing = await request(session.url).post('/actions/inspect').send(body()).expect(401);
    expect(missing.body.message).toMatch(/Kitsu session is required/);
    const expired = zou.issueToken(zou.data.people.supervisor.id, { expiresInMs: -1000 });
    const res = await request(session.url)
      .post('/actions/inspect')
      .set('Authorization', `Bearer ${expired}`)
      .send(body())
      .expect(401);
    expect(res.body.message).toMatch(/expired or invalid/);
  });

  it('asks Zou once for a burst of clicks with the same session', async () => {
    const token = zou.issueToken(zou.data.people.manager.id);
    const before = zou.log.filter((e) => e.route === 'GET /auth/authenticated').length;
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        request(session.url)
          .post(`/actions/inspect?n=${i}`)
          .set('Authorization', `Bearer ${token}`)
          .send(body(zou.data.people.manager)),
      ),
    );
    await request(session.url)
      .post('/actions/inspect?n=last')
      .set('Authorization', `Bearer ${token}`)
      .send(body(zou.data.people.manager))
      .expect(202);
    const after = zou.log.filter((e) => e.route === 'GET /auth/authenticated').length;
    expect(after - before).toBeLessThanOrEqual(5);
    expect(after - before).toBeGreaterThanOrEqual(1);
  });

  it('checks the shared secret per action, with the global one as fallback', async () => {
    await request(keyed.url).post('/actions/inspect').send(body()).expect(401);
    await request(keyed.url).post('/actions/inspect?key=wrong-secret').send(body()).expect(401);
    await request(keyed.url)
      .post('/actions/inspect?key=global-secret-0123456789')
      .send(body())
      .expect(202);
  });

  it('accepts fresh signed requests and refuses stale or tampered ones', async () => {
    const secret = 'signing-secret-0123456789';
    const signed = await startStack({
      workers: false,
      env: { AUTH_MODE: 'signed', SIGNING_SECRET: secret, SIGNING_TOLERANCE_S: '60' },
    });
    try {
      const raw = JSON.stringify(body());
      const now = Math.floor(Date.now() / 1000);
      const target = { method: 'POST', target: '/actions/inspect' };
      const signatureHeader = (key: string, ts: number, signed: string) =>
        requestSignatureHeader(key, ts, target, signed);
      const post = (timestamp: number, signature: string, payload = raw) =>
        request(signed.url)
          .post('/actions/inspect')
          .set('Content-Type', 'application/json')
          .set('X-Kitsu-Actions-Timestamp', String(timestamp))
          .set('X-Kitsu-Actions-Signature', signature)
          .send(payload);
      await post(now, signatureHeader(secret, now, raw)).expect(202);
      const stale = await post(now - 600, signatureHeader(secret, now - 600, raw)).expect(401);
      expect(stale.body.message).toMatch(/too old/);
      const tampered = raw.replace(
        taskId,
        taskId.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
      );
      // Signed a second later, so it is not refused as a replay of the first.
      const res = await post(now + 1, signatureHeader(secret, now + 1, raw), tampered).expect(401);
      expect(res.body.message).toMatch(/does not match/);
      await request(signed.url).post('/actions/inspect').send(body()).expect(401);
    } finally {
      await signed.close();
    }
  });

  it('answers CORS preflights for the Kitsu origin only, with credentials and never *', async () => {
    const ok = await request(session.url)
      .options('/actions/inspect')
      .set('Origin', 'https://kitsu.studio.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers['access-control-allow-origin']).toBe('https://kitsu.studio.example');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const other = await request(session.url)
      .options('/actions/inspect')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
