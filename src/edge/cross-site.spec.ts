import type { IncomingHttpHeaders } from 'node:http';
import recorded from '../../test/fixtures/kitsu-requests-1.0.54.json';
import { validateEnv } from '../config/validate-env';
import { AppConfig } from '../config/app.config';
import { crossSitePolicy, crossSiteRefusal, type CrossSitePolicy } from './cross-site';

const KITSU = 'https://kitsu.studio.example';
const US = 'https://actions.studio.example';

function policy(env: Record<string, string>, cors: string[] = []): CrossSitePolicy {
  return crossSitePolicy(validateEnv(AppConfig, env), cors);
}

describe('crossSiteRefusal', () => {
  const configured = policy({ PUBLIC_URL: US, KITSU_URL: `${KITSU}/` }, [
    'https://kitsu.other-site.example',
  ]);
  const refused = (headers: IncomingHttpHeaders, p = configured) => crossSiteRefusal(headers, p);

  it('lets through what the real Kitsu 1.0.54 sent (same-origin, form and AJAX)', () => {
    // Recorded with the service on Kitsu's own host: that origin is KITSU_URL, or the Host asked.
    const origin = recorded.requests[0].headers.origin;
    const byKitsuUrl = policy({ PUBLIC_URL: US, KITSU_URL: origin });
    const byHost = policy({});
    for (const { headers } of recorded.requests) {
      expect(refused(headers, byKitsuUrl)).toBeNull();
      expect(refused(headers, byHost)).toBeNull();
    }
  });

  it('lets through Kitsu from a configured other origin, same-site or (CORS_ORIGINS) cross-site', () => {
    expect(refused({ origin: KITSU, 'sec-fetch-site': 'same-site' })).toBeNull();
    expect(refused({ origin: US, 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(
      refused({ origin: 'https://kitsu.other-site.example', 'sec-fetch-site': 'cross-site' }),
    ).toBeNull();
  });

  it('lets through scripts: no Origin, no Referer, no Sec-Fetch-Site', () => {
    expect(refused({ 'user-agent': 'curl/8', 'content-type': 'application/json' })).toBeNull();
  });

  it.each<[string, IncomingHttpHeaders, RegExp]>([
    [
      'another origin',
      { origin: 'https://evil.example' },
      /Origin https:\/\/evil\.example is neither/,
    ],
    ['Origin: null', { origin: 'null' }, /Origin is null/],
    ['another port of our host', { origin: 'https://actions.studio.example:8443' }, /neither/],
    [
      'cross-site even from a trusted-looking Origin',
      { origin: KITSU, 'sec-fetch-site': 'cross-site' },
      /Sec-Fetch-Site: cross-site/,
    ],
    ['cross-site without Origin', { 'sec-fetch-site': 'cross-site' }, /cross-site/],
    ['same-site without Origin', { 'sec-fetch-site': 'same-site' }, /names no Origin/],
    ['a foreign Referer', { referer: 'https://evil.example/page' }, /Referer is neither/],
    ['a Referer that is no URL', { referer: 'not a url' }, /Referer is not a URL/],
    ['an Origin that is no URL', { origin: 'https://a, https://b' }, /is not a URL/],
  ])('refuses %s', (_name, headers, reason) => {
    expect(refused(headers)).toMatch(reason);
  });

  it('trusts the Host asked only while PUBLIC_URL does not say who we are', () => {
    const headers = { origin: 'http://10.0.0.5:8080', host: '10.0.0.5:8080' };
    expect(refused(headers, policy({}))).toBeNull();
    expect(refused(headers, policy({ PUBLIC_URL: US }))).toMatch(/neither/);
  });
});
