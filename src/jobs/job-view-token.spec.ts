import { ConfigError } from '../config/validate-env';
import { JobViewTokens } from './job-view-token';

describe('JobViewTokens key', () => {
  const production = { NODE_ENV: 'production', ACTION_KEY: 'shared-key-0123456789' };

  it.each(['shared-secret', 'signed', 'kitsu-session,signed'])(
    'refuses to start in production with AUTH_MODE=%s and no JOB_VIEW_SECRET, naming it',
    (mode) => {
      expect(() => new JobViewTokens({ ...production, AUTH_MODE: mode })).toThrow(ConfigError);
      expect(() => new JobViewTokens({ ...production, AUTH_MODE: mode })).toThrow(
        /- JOB_VIEW_SECRET: set it/,
      );
    },
  );

  it('starts with its own key in production, and then shares comment links', () => {
    const tokens = new JobViewTokens({
      ...production,
      AUTH_MODE: 'shared-secret',
      JOB_VIEW_SECRET: 'job-view-secret-0123456789',
    });
    expect(tokens.commentQuery('custom.a')).toMatch(/^\?view=[\w-]{32}$/);
  });

  it('never derives the key from ACTION_KEY or SIGNING_SECRET', () => {
    const env = { ACTION_KEY: 'shared-key-0123456789', SIGNING_SECRET: 'signing-key-0123456789' };
    // Two processes with the same browser-visible secrets still disagree: the key is random.
    expect(new JobViewTokens(env).token('custom.a')).not.toBe(
      new JobViewTokens(env).token('custom.a'),
    );
    // And no comment link carries a token the API could not check.
    expect(new JobViewTokens(env).commentQuery('custom.a')).toBe('');
  });

  it('agrees across processes that share JOB_VIEW_SECRET', () => {
    const env = { JOB_VIEW_SECRET: 'job-view-secret-0123456789' };
    expect(new JobViewTokens(env).token('custom.a')).toBe(new JobViewTokens(env).token('custom.a'));
  });
});
