import { Queue } from 'bullmq';
import type { Command } from 'ioredis';
import request from 'supertest';
import { ProducerConnection } from '../../src/queues/producer-connection';
import { startZouStack, type ZouStack } from '../support/stack';
import { testRedisUrl } from '../support/test-env';

/**
 * A click whose person is known and whose authorization Zou need not be asked about is counted by
 * the script that stores its job: one Redis call for rate limits, dedupe and the insert.
 */
describe('rate limits counted in the job’s insert', () => {
  let stack: ZouStack;
  let tasks: string[];
  let commands: string[];
  let queue: Queue;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 31, size: 'small' },
      {
        workers: false,
        env: {
          AUTH_MODE: 'kitsu-session',
          AUTHZ: 'on',
          AUTH_CACHE_SECONDS: '300',
          RATE_LIMIT_PER_IP: '100',
          RATE_LIMIT_PER_PERSON: '4',
          RATE_LIMIT_WINDOW_S: '600',
        },
      },
    );
    const { zou } = stack;
    tasks = [...zou.data.tasks.values()]
      .filter((task) => task.project_id === zou.data.projectIds.tvShow)
      .slice(0, 8)
      .map((task) => task.id);
    // Every command the intake sends on its Redis connections, by connection and name.
    const producer = stack.app.get(ProducerConnection);
    commands = [];
    for (const [which, client] of [
      ['queues', producer.client],
      ['inserts', producer.inserts],
    ] as const) {
      const send = client.sendCommand.bind(client);
      client.sendCommand = ((command: Command, ...rest: unknown[]) => {
        commands.push(`${which}:${command.name}`);
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof client.sendCommand;
    }
    queue = new Queue('inspect', {
      connection: { url: testRedisUrl() },
      prefix: stack.env.QUEUE_PREFIX,
    });
  });
  afterAll(async () => {
    await queue.close();
    await stack.close();
  });

  const sessions = new Map<string, string>();
  /** A click from the person's one Kitsu session (the same cookie each time, as a browser sends). */
  function click(who: 'supervisor' | 'manager', selection: string[]) {
    const person = stack.zou.data.people[who];
    if (!sessions.has(who)) sessions.set(who, stack.zou.issueToken(person.id));
    return request(stack.url)
      .post('/actions/inspect')
      .set('Cookie', `access_token_cookie=${sessions.get(who)}`)
      .send({ userid: person.id, useremail: person.email, selection });
  }

  it('costs one Redis call once the session and the selection’s facts are known, and refuses past the budget storing nothing', async () => {
    // The first click asks Zou (session, person, tasks, team): address first, alone, then the
    // person, then the insert.
    await click('supervisor', tasks).expect(202);
    expect(commands.filter((name) => name.endsWith(':evalsha'))).toHaveLength(3);
    commands.length = 0;
    const second = await click('supervisor', [tasks[1]]).expect(202);
    // One call, on the connection that carries only guarded inserts.
    expect(commands).toEqual(['inserts:evalsha']);
    const counts = await queue.getJobCounts('wait');
    expect(counts.wait).toBe(2);

    // Budget 4: clicks three and four pass, the fifth is refused by the insert's own count.
    await click('supervisor', [tasks[2]]).expect(202);
    await click('supervisor', [tasks[3]]).expect(202);
    commands.length = 0;
    const refused = await click('supervisor', [tasks[4]]).expect(429);
    expect(commands).toEqual(['inserts:evalsha']);
    expect(refused.body).toMatchObject({ statusCode: 429, limit: 'person' });
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect((await queue.getJobCounts('wait')).wait).toBe(4);
    expect(second.body.status).toBe('queued');
  });

  it('counts a click authorization refuses, and answers 429 rather than 403 past the budget', async () => {
    const outsider = stack.zou.data.people.outsider;
    const token = stack.zou.issueToken(outsider.id);
    const post = () =>
      request(stack.url)
        .post('/actions/inspect')
        .set('Cookie', `access_token_cookie=${token}`)
        .send({ userid: outsider.id, useremail: outsider.email, selection: [tasks[5]] });
    // Outside the team: refused each time, counted each time (budget 4 per person).
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post()).status);
    expect(statuses).toEqual([403, 403, 403, 403, 429, 429]);
  });
});
