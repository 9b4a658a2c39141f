import { createHmac } from 'node:crypto';
import { ConfigError, validateEnv } from '../config/validate-env';
import { JobViewConfig, JobViewTokens } from './job-view-token';

/** As the container builds them: the area validated from the environment, then injected. */
const tokensFor = (env: Record<string, string>) =>
  new JobViewTokens(validateEnv(JobViewConfig, env));

describe('JobViewTokens key', () => {
  const production = { NODE_ENV: 'production', ACTION_KEY: 'shared-key-0123456789' };

  it.each(['shared-secret', 'signed', 'kitsu-session,signed'])(
    'refuses to start in production with AUTH_MODE=%s and no JOB_VIEW_SECRET, naming it',
    (mode) => {
      expect(() => tokensFor({ ...production, AUTH_MODE: mode })).toThrow(ConfigError);
      expect(() => tokensFor({ ...production, AUTH_MODE: mode })).toThrow(
        /- JOB_VIEW_SECRET: set it/,
      );
    },
  );

  it('starts with its own key in production, and then shares comment links', () => {
    const tokens = tokensFor({
      ...production,
      AUTH_MODE: 'shared-secret',
      JOB_VIEW_SECRET: 'job-view-secret-0123456789',
    });
    expect(tokens.commentQuery('custom.a')).toMatch(/^\?view=[\w-]{32}$/);
  });

  it('never derives the key from ACTION_KEY or SIGNING_SECRET', () => {
    const env = { ACTION_KEY: 'shared-key-0123456789', SIGNING_SECRET: 'signing-key-0123456789' };
    // Two processes with the same browser-visible secrets still disagree: the key is random.
    expect(tokensFor(env).token('custom.a')).not.toBe(tokensFor(env).token('custom.a'));
    // And no comment link carries a token the API could not check.
    expect(tokensFor(env).commentQuery('custom.a')).toBe('');
  });

  it('agrees across processes that share JOB_VIEW_SECRET', () => {
    const env = { JOB_VIEW_SECRET: 'job-view-secret-0123456789' };
    expect(tokensFor(env).token('custom.a')).toBe(tokensFor(env).token('custom.a'));
  });
});

describe('JobViewTokens HMAC', () => {
  it('is HMAC-SHA256 under the derived key, whatever the job id', () => {
    const secret = 'job-view-secret-0123456789';
    const key = createHmac('sha256', secret).update('kitsu-actions job view').digest();
    const tokens = tokensFor({ JOB_VIEW_SECRET: secret });
    for (const id of ['custom.a', 'render.Zx9_-', 'é'.repeat(100), '']) {
      const expected = createHmac('sha256', key).update(id).digest('base64url').slice(0, 32);
      expect(tokens.token(id)).toBe(expected);
      const read = createHmac('sha256', key).update(`read:${id}`).digest('base64url').slice(0, 32);
      expect(tokens.readToken(id)).toBe(read);
    }
  });
});
