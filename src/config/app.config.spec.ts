import { ConfigError } from './validate-env';
import { loadAppConfig } from './app.config';

describe('AppConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadAppConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.MAX_SELECTION).toBe(5000);
    expect(config.WORKERS).toEqual(['all']);
    expect(config.publicUrl).toBe('http://localhost:8080');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['MAX_SELECTION', '0'],
    ['PUBLIC_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['BODY_LIMIT', 'huge'],
  ])('rejects a malformed %s with its name in the message', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('refuses production without a dashboard password, saying which variable', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow(/BOARD_PASSWORD/);
    expect(
      loadAppConfig({ NODE_ENV: 'production', BOARD_PASSWORD: 'long-enough' }).isProduction,
    ).toBe(true);
  });

  it('never prints a secret value in the message', () => {
    expect(() => loadAppConfig({ BOARD_PASSWORD: 'short' })).toThrow(/BOARD_PASSWORD.*\(hidden\)/);
  });
});
