import { validateEnv } from '../config/validate-env';
import { AuthConfig, resolveAuthModes } from './auth.config';

function resolve(env: Record<string, string>) {
  const config = validateEnv(AuthConfig, env);
  return { config, problems: resolveAuthModes(config, env) };
}

describe('AuthConfig', () => {
  it('defaults to kitsu-session when Zou is configured, none otherwise', () => {
    expect(resolve({ ZOU_URL: 'http://zou/api' }).config.modes).toEqual(['kitsu-session']);
    expect(resolve({}).config.modes).toEqual(['none']);
  });

  it('refuses none in production and names the variable', () => {
    expect(resolve({ NODE_ENV: 'production' }).problems).toEqual([
      expect.stringMatching(/^AUTH_MODE: "none" is refused/),
    ]);
  });

  it('needs a key for shared-secret and Zou for kitsu-session', () => {
    expect(resolve({ AUTH_MODE: 'shared-secret' }).problems[0]).toMatch(/^ACTION_KEY:/);
    expect(resolve({ AUTH_MODE: 'kitsu-session' }).problems[0]).toMatch(/needs ZOU_URL/);
  });

  it('prefers a per-action key', () => {
    const { config } = resolve({
      AUTH_MODE: 'shared-secret',
      ACTION_KEY: 'global-secret-0123456789',
      ACTION_KEYS: 'render:render-secret-012345678',
    });
    expect(config.keyFor('render')).toBe('render-secret-012345678');
    expect(config.keyFor('stats')).toBe('global-secret-0123456789');
  });

  it('rejects a wildcard CORS origin', () => {
    expect(() => validateEnv(AuthConfig, { CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
