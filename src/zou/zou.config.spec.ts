import { ConfigError } from '../config/validate-env';
import { loadZouConfig } from './zou.config';

describe('ZouConfig', () => {
  it('starts without Zou (calls then fail clearly) and applies defaults', () => {
    const config = loadZouConfig({});
    expect(config.isConfigured).toBe(false);
    expect(config.ZOU_TIMEOUT_MS).toBe(30000);
    expect(config.ZOU_MAX_CONCURRENCY).toBe(8);
    expect(config.ZOU_RETRIES).toBe(4);
    expect(config.ZOU_RATE_LIMIT).toBe(0);
  });

  it('reads a bot token setup and trims the trailing slash of the URL', () => {
    const config = loadZouConfig({
      ZOU_URL: 'http://kitsu.local/api/',
      ZOU_TOKEN: 'abc',
      ZOU_TIMEOUT_MS: '5000',
      ZOU_MAX_CONCURRENCY: '3',
    });
    expect(config.baseUrl).toBe('http://kitsu.local/api');
    expect(config.ZOU_TIMEOUT_MS).toBe(5000);
    expect(config.ZOU_MAX_CONCURRENCY).toBe(3);
  });

  it('accepts email and password instead of a token', () => {
    const config = loadZouConfig({
      ZOU_URL: 'http://127.0.0.1:5080/api',
      ZOU_EMAIL: 'bot@example.com',
      ZOU_PASSWORD: 'secret',
    });
    expect(config.ZOU_EMAIL).toBe('bot@example.com');
  });

  it.each([
    [{ ZOU_URL: 'kitsu.local/api', ZOU_TOKEN: 't' }, 'ZOU_URL'],
    [{ ZOU_URL: 'ftp://kitsu.local/api', ZOU_TOKEN: 't' }, 'ZOU_URL'],
    [{ ZOU_URL: 'http://kitsu.local/api' }, 'ZOU_TOKEN'],
    [{ ZOU_URL: 'http://kitsu.local/api', ZOU_EMAIL: 'a@b.c' }, 'ZOU_PASSWORD'],
    [{ ZOU_URL: 'http://kitsu.local/api', ZOU_PASSWORD: 'p' }, 'ZOU_EMAIL'],
    [
      { ZOU_URL: 'http://kitsu.local/api', ZOU_EMAIL: 'not-an-email', ZOU_PASSWORD: 'p' },
      'ZOU_EMAIL',
    ],
    [{ ZOU_TOKEN: 't' }, 'ZOU_URL'],
    [{ ZOU_TIMEOUT_MS: 'soon' }, 'ZOU_TIMEOUT_MS'],
    [{ ZOU_MAX_CONCURRENCY: '0' }, 'ZOU_MAX_CONCURRENCY'],
    [{ ZOU_RETRIES: '-1' }, 'ZOU_RETRIES'],
    [{ ZOU_RATE_LIMIT: 'fast' }, 'ZOU_RATE_LIMIT'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadZouConfig(env)).toThrow(ConfigError);
    expect(() => loadZouConfig(env)).toThrow(new RegExp(`${name}:`));
  });

  it('never prints the token or password', () => {
    let message = '';
    try {
      loadZouConfig({ ZOU_URL: 'http://kitsu.local/api', ZOU_TOKEN: '', ZOU_PASSWORD: 'hunter2' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ZOU_EMAIL/);
    expect(message).not.toContain('hunter2');
  });
});
