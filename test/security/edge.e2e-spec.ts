import { JobQueues } from '../../src/queues/job-queues.service';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { startStack, startZouStack, type TestStack, type ZouStack } from '../support/stack';
import { testRedisUrl } from '../support/test-env';

function click(personId = randomUUID()) {
  return {
    userid: personId,
    useremail: 'artist@studio.example',
    productionid: null,
    selection: [randomUUID()],
  };
}

describe('the edge: rate limits, headers, dashboard addresses', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({
      workers: false,
      env: {
        RATE_LIMIT_PER_PERSON: '3',
        RATE_LIMIT_PER_IP: '6',
        RATE_LIMIT_WINDOW_S: '600',
        BOARD_USER: 'board',
        BOARD_PASSWORD: 'board-password-1',
        BOARD_ALLOW_IPS: '10.0.0.0/8, fd00::/8',
      },
    });
  });
  afterAll(() => stack.close());

  it('answers 429 with Retry-After past the per-person limit, naming the limit', async () => {
    const person = randomUUID();
    for (let i = 0; i < 3; i++) {
      await request(stack.url).post('/actions/inspect').send(click(person)).expect(202);
    }
    const refused = await request(stack.url).post('/actions/inspect').send(click(person));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      limit: 'person',
    });
    expect(refused.body.message).toMatch(/at most 3 per 600 s/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
  });

  it('limits one address across people too', async () => {
    // Three of this address's six were spent above (the refused one counts as well).
    const answers: number[] = [];
    for (let i = 0; i < 4; i++) {
      answers.push((await request(stack.url).post('/actions/inspect').send(click())).status);
    }
    expect(answers).toContain(429);
    const last = await request(stack.url).post('/actions/inspect').send(click());
    expect(last.status).toBe(429);
    expect(last.body.limit).toBe('ip');
  });

  it('sends security headers on pages and the API', async () => {
    const page = await request(stack.url).get('/jobs').set('Accept', 'text/html').expect(200);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['x-powered-by']).toBeUndefined();
    const api = await request(stack.url).get('/actions').expect(200);
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses the dashboard to addresses outside BOARD_ALLOW_IPS, even with credentials', async () => {
    const res = await request(stack.url).get('/admin/queues').auth('board', 'board-password-1');
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/BOARD_ALLOW_IPS/);
  });
});

describe('the dashboard from an allowed address', () => {
  it('asks for credentials, then opens', async () => {
    const stack = await startStack({
      workers: false,
      env: {
        BOARD_USER: 'board',
        BOARD_PASSWORD: 'board-password-1',
        BOARD_ALLOW_IPS: '127.0.0.1',
      },
    });
    try {
      await request(stack.url).get('/admin/queues').expect(401);
      await request(stack.url).get('/admin/queues').auth('board', 'board-password-1').expect(200);

      // A page elsewhere cannot use the browser's cached board login to press the board's buttons.
      const queue = stack.app.get(JobQueues).get('inspect');
      const pause = `/admin/queues/api/queues/${encodeURIComponent(queue.name)}/pause`;
      const refused = await request(stack.url)
        .put(pause)
        .auth('board', 'board-password-1')
        .set('Origin', 'https://evil.example')
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403);
      expect(refused.body).toMatchObject({ rule: 'cross-site' });
      expect(await queue.isPaused()).toBe(false);
      // The board's own page, on our origin, still can.
      await request(stack.url)
        .put(pause)
        .auth('board', 'board-password-1')
        .set('Origin', stack.url)
        .set('Sec-Fetch-Site', 'same-origin')
        .expect(200);
      expect(await queue.isPaused()).toBe(true);
      await queue.resume();
    } finally {
      await stack.close();
    }
  });
});

/** Reads every key under a prefix, whatever its type, as text. */
async function dumpPrefix(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

describe('secrets never stored in Redis', () => {
  let zou: ZouSimulator;
  let redis: Redis;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 14, size: 'small' });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    redis.disconnect();
    await zou.close();
  });

  it('keeps the shared key, the session token and the bot token out of every key after full jobs', async () => {
    const key = 'shared-secret-never-stored-42';
    const person = zou.data.people.supervisor;
    const session = zou.tokens.supervisor;
    const task = [...zou.data.tasks.values()][0];
    const stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret,kitsu-session',
        ACTION_KEY: key,
      },
    });
    try {
      const accepted = await request(stack.url)
        .post(`/actions/inspect?key=${key}&token=${session}`)
        .set('Authorization', `Bearer ${session}`)
        .set('Cookie', `access_token_cookie=${session}`)
        .send({
          userid: person.id,
          useremail: person.email,
          productionid: task.project_id,
          originurl: `/productions/${task.project_id}/shots/tasks?key=${key}`,
          selection: [task.id],
        })
        .expect(202);
      await stack.waitForJob(accepted.body.jobId as string);
      const stored = await dumpPrefix(redis, stack.env.QUEUE_PREFIX!);
      expect(stored).toContain(task.id);
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(session);
      expect(stored).not.toContain(zou.tokens.bot);
    } finally {
      await stack.close();
    }
  });
});

describe('the address limit comes before authentication', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 18, size: 'small' },
      {
        workers: false,
        env: {
          AUTH_MODE: 'kitsu-session',
          RATE_LIMIT_PER_IP: '20',
          RATE_LIMIT_PER_PERSON: '0',
          RATE_LIMIT_WINDOW_S: '600',
        },
      },
    );
    zou = stack.zou;
  });
  afterAll(() => stack.close());

  it('lets a flood of made-up sessions from one address cost at most the budget in Zou checks (both intake paths)', async () => {
    zou.resetLog();
    const statuses: Record<string, number[]> = { ajax: [], form: [] };
    for (let i = 0; i < 200; i++) {
      const cookie = `access_token_cookie=forged-${randomUUID()}`;
      const person = randomUUID();
      // AJAX JSON takes the fast lane, a form post the Nest route: alternate the two.
      const answer =
        i % 2 === 0
          ? await request(stack.url)
              .post('/actions/inspect')
              .set('Cookie', cookie)
              .send(click(person))
          : await request(stack.url)
              .post('/actions/inspect')
              .set('Cookie', cookie)
              .type('form')
              .send({ personid: person, personemail: 'a@studio.example', selection: randomUUID() });
      statuses[i % 2 === 0 ? 'ajax' : 'form'].push(answer.status);
    }
    expect(zou.calls('GET /auth/authenticated').length).toBeLessThanOrEqual(20);
    for (const path of ['ajax', 'form']) {
      expect(statuses[path].slice(0, 10).every((status) => status === 401)).toBe(true);
      expect(statuses[path].slice(10).every((status) => status === 429)).toBe(true);
    }
  });
});

describe('rate limits with a Kitsu session the service already confirmed', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let replica: TestStack;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 19, size: 'small' });
    const env = {
      ZOU_URL: zou.url,
      ZOU_TOKEN: zou.tokens.bot,
      AUTH_MODE: 'kitsu-session',
      AUTHZ: 'off',
      RATE_LIMIT_PER_IP: '7',
      RATE_LIMIT_PER_PERSON: '3',
      RATE_LIMIT_WINDOW_S: '600',
    };
    stack = await startStack({ workers: false, env });
    // A second API replica on the same Redis and prefix: the counts are shared, not per process.
    replica = await startStack({
      workers: false,
      env: { ...env, QUEUE_PREFIX: stack.env.QUEUE_PREFIX! },
    });
  });
  afterAll(async () => {
    await replica.close();
    await stack.close();
    await zou.close();
  });

  function sessionClick(who: 'supervisor' | 'manager', token: string, url: string) {
    const person = zou.data.people[who];
    return request(url)
      .post('/actions/inspect')
      .set('Cookie', `access_token_cookie=${token}`)
      .send({ userid: person.id, useremail: person.email, selection: [randomUUID()] });
  }

  it('holds the person budget across replicas once the session is known, and the address budget across people', async () => {
    const supervisor = zou.issueToken(zou.data.people.supervisor.id);
    const manager = zou.issueToken(zou.data.people.manager.id);
    // The first click of a session asks Zou; the next ones count address and person together.
    const statuses: number[] = [];
    for (const url of [stack.url, replica.url, stack.url, replica.url])
      statuses.push((await sessionClick('supervisor', supervisor, url)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await sessionClick('supervisor', supervisor, stack.url);
    expect(refused.body).toMatchObject({ statusCode: 429, limit: 'person' });
    // Five of the address's seven are spent; the manager has a budget of their own until then.
    expect((await sessionClick('manager', manager, stack.url)).status).toBe(202);
    expect((await sessionClick('manager', manager, replica.url)).status).toBe(202);
    const over = await sessionClick('manager', manager, stack.url);
    expect(over.status).toBe(429);
    expect(over.body.limit).toBe('ip');
    expect(zou.calls('GET /auth/authenticated').length).toBeLessThanOrEqual(4);
  });
});

describe('dashboard password guessing', () => {
  const env = {
    BOARD_USER: 'board',
    BOARD_PASSWORD: 'board-password-1',
    BOARD_LOGIN_MAX_FAILURES: '5',
    BOARD_LOGIN_WINDOW_S: '600',
  };
  let stack: TestStack;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    stack = await startStack({ workers: false, env });
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => warn.mockRestore());
  afterAll(() => stack.close());

  it('counts failed logins per address in Redis: 429 with Retry-After past the budget, each failure logged without the password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const guess = `guess-${i}-secret`;
      const res = await request(stack.url).get('/admin/queues').auth('guess-user', guess);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const failures = warn.mock.calls.map((call) => String(call[0]));
    expect(
      failures.filter((line) =>
        /Failed dashboard login from .*127\.0\.0\.1 as "guess-user"/.test(line),
      ),
    ).toHaveLength(5);
    expect(failures.join('\n')).not.toMatch(/guess-\d-secret/);

    const locked = await request(stack.url).get('/admin/queues').auth('guess-user', 'guess-5');
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(locked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // Locked out, the right password is not checked either, so a right guess cannot show.
    await request(stack.url).get('/admin/queues').auth('board', 'board-password-1').expect(429);
    // Every replica sees the same count (Redis), and /health/ready's details share it.
    const replica = await startStack({
      workers: false,
      env: { ...env, QUEUE_PREFIX: stack.env.QUEUE_PREFIX! },
    });
    try {
      await request(replica.url).get('/admin/queues').auth('board', 'board-password-1').expect(429);
      await request(replica.url).get('/health/ready').auth('board', 'board-password-1').expect(429);
    } finally {
      await replica.close();
    }
  });
});

describe('/health/ready for anonymous callers and board users', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 19, size: 'small' },
      {
        workers: false,
        env: {
          BOARD_USER: 'board',
          BOARD_PASSWORD: 'board-password-1',
        },
      },
    );
    zou = stack.zou;
  });
  afterAll(() => stack.close());

  it('tells anyone only up or down per dependency', async () => {
    const res = await request(stack.url).get('/health/ready').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: {
        redis: { status: 'up' },
        zou: { status: 'up' },
        farm: { status: 'up' },
        forwarders: { status: 'up' },
      },
      error: {},
      details: {
        redis: { status: 'up' },
        zou: { status: 'up' },
        farm: { status: 'up' },
        forwarders: { status: 'up' },
      },
    });
    expect(res.text).not.toContain(zou.data.people.bot.email);
  });

  it('gives the details to board users, and refuses wrong credentials', async () => {
    const res = await request(stack.url)
      .get('/health/ready')
      .auth('board', 'board-password-1')
      .expect(200);
    expect(res.body.details.zou).toEqual({ status: 'up', user: zou.data.people.bot.email });
    expect(res.body.details.farm).toEqual({ status: 'up', kind: 'dry-run' });
    const wrong = await request(stack.url).get('/health/ready').auth('board', 'wrong-password');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic /);
  });
});
