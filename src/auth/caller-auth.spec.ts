import type { KitsuActionRequest } from '../actions/action.types';
import type { AppConfig } from '../config/app.config';
import { validateEnv } from '../config/validate-env';
import type { ProducerConnection } from '../queues/producer-connection';
import type { ZouClient } from '../zou/zou.client';
import type { ZouPerson } from '../zou/zou.types';
import { AuthConfig, resolveAuthModes } from './auth.config';
import { CallerAuth, type CallerCredentials } from './caller-auth.service';

const person = { id: 'a4f0e6d2-1111-4222-8333-444455556666', email: 'ana@studio.example' };
const request = { personId: person.id, personEmail: person.email } as KitsuActionRequest;
const call: CallerCredentials = {
  query: {},
  headers: { cookie: 'access_token_cookie=the-session' },
  method: 'POST',
  target: '/actions/inspect',
};

/**
 * The session verdict cache's wiring: Zou's answer (GET /auth/authenticated, here answered by
 * hand so its timing is the test's) is what CallerAuth renews and forgets.
 */
describe('CallerAuth session verdicts', () => {
  let answers: Array<(user: ZouPerson | null) => void>;
  let auth: CallerAuth;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-05T08:00:00Z') });
    answers = [];
    const zou = {
      authenticatedAs: () =>
        new Promise((resolve) => answers.push((user) => resolve(user ? { user } : null))),
    } as unknown as ZouClient;
    const env = { ZOU_URL: 'http://zou/api', AUTH_CACHE_SECONDS: '10' };
    const config = validateEnv(AuthConfig, env);
    expect(resolveAuthModes(config, env)).toEqual([]);
    auth = new CallerAuth(
      zou,
      {} as ProducerConnection,
      { QUEUE_PREFIX: 'spec' } as AppConfig,
      config,
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const verify = () => auth.verify(call, request, 'inspect');
  const settle = () =>
    new Promise<void>((resolve) => jest.requireActual('timers').setImmediate(resolve));

  it('asks Zou again in the background late in a verdict’s life, and a revoked session is refused once Zou says so', async () => {
    const first = verify();
    expect(answers).toHaveLength(1);
    answers[0]({ ...person, active: true } as ZouPerson);
    await first;

    jest.advanceTimersByTime(6_000);
    await verify(); // answered from the verdict; Zou asked again meanwhile
    expect(answers).toHaveLength(2);
    answers[1](null); // the session was revoked
    await settle();
    await expect(verify()).rejects.toThrow('The Kitsu session is expired or invalid');
    expect(answers).toHaveLength(2);
  });
});
