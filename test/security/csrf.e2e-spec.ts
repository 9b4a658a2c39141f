import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { hiddenInputs, kitsuShotFormFields } from '../support/kitsu-page';
import request from 'supertest';
import { QUEUE_NAMES } from '../../src/queues/queues';
import { JobQueues } from '../../src/queues/job-queues.service';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { EchoModule } from '../support/echo.action';
import recorded from '../fixtures/kitsu-requests-1.0.54.json';
import { startStack, type TestStack } from '../support/stack';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

/** Every request the API answered, whichever lane took it (a listener beside the real ones). */
function recordRequests(stack: TestStack): Seen[] {
  const seen: Seen[] = [];
  stack.app.getHttpServer().on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.once('finish', () =>
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        status: res.statusCode,
      }),
    );
  });
  return seen;
}

async function serve(
  host: string,
  page: () => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(page());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function jobsQueued(stack: TestStack): Promise<number> {
  const queues = stack.app.get(JobQueues);
  let total = 0;
  for (const name of QUEUE_NAMES) {
    const counts = await queues.get(name).getJobCounts();
    total += Object.values(counts).reduce((sum, n) => sum + n, 0);
  }
  return total;
}

/**
 * Cross-site request forgery: a page on another origin makes the person's browser post to us,
 * with their Kitsu session cookie. Refused before authentication: no Zou call, nothing queued.
 */
describe('cross-site requests', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let seen: Seen[];
  let browser: Browser;
  let kitsuPage: Awaited<ReturnType<typeof serve>>;
  let sameSiteEvil: Awaited<ReturnType<typeof serve>>;
  let crossSiteEvil: Awaited<ReturnType<typeof serve>>;

  const person = () => zou.data.people.supervisor;
  const task = () =>
    [...zou.data.tasks.values()].find((t) => t.project_id === zou.data.projectIds.tvShow)!;
  const formFields = () => kitsuShotFormFields(person(), [task()]);
  const ajaxBody = () => ({
    userid: person().id,
    useremail: person().email,
    productionid: task().project_id,
    selection: [task().id],
  });

  /**
   * What an attacker's page does: posts with fetch (a CORS JSON call, and a no-cors form body,
   * which needs no preflight), then auto-submits a form, all with the person's cookies.
   */
  function attackPage(): string {
    const inputs = hiddenInputs(formFields());
    const target = `${stack.url}/actions/notify?text=forged`;
    return `<!doctype html><html><body>
<form id="f" method="POST" action="${target}">${inputs}</form>
<script>
(async () => {
  const json = ${JSON.stringify(JSON.stringify(ajaxBody()))};
  await fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include',
    headers: { 'Content-Type': 'application/json' }, body: json }).catch(() => null);
  await fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
    body: new URLSearchParams(new FormData(document.getElementById('f'))) }).catch(() => null);
  document.getElementById('f').submit();
})();
</script></body></html>`;
  }

  /** Kitsu's own page: the form (new tab) and its AJAX call, as ActionPanel.vue sends them. */
  function kitsuLikePage(): string {
    const inputs = hiddenInputs(formFields());
    const target = `${stack.url}/actions/notify?text=from-kitsu`;
    return `<!doctype html><html><body>
<form id="f" method="POST" target="_blank" action="${target}">${inputs}<button>Run</button></form>
<script>
window.ajax = () => fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include',
  headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(ajaxBody()))} })
  .then((res) => res.status);
</script></body></html>`;
  }

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 23, size: 'small' });
    // Kitsu on another port of the same host (same site: its cookie reaches us); one attacker on
    // yet another port of that host (same site too), one on another address (another site).
    kitsuPage = await serve('127.0.0.1', kitsuLikePage);
    sameSiteEvil = await serve('127.0.0.1', attackPage);
    crossSiteEvil = await serve('127.0.0.2', attackPage);
    stack = await startStack({
      workers: false,
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'kitsu-session',
        KITSU_URL: kitsuPage.url,
        CORS_ORIGINS: kitsuPage.url,
      },
    });
    seen = recordRequests(stack);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([kitsuPage, sameSiteEvil, crossSiteEvil].map((s) => s?.close()));
    await stack?.close();
    await zou?.close();
  });

  /** A browser signed in to Kitsu: Zou's session cookie as Zou sets it (host-only, Lax). */
  async function signedIn(): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.addCookies([
      {
        name: 'access_token_cookie',
        value: zou.tokens.supervisor,
        domain: '127.0.0.1',
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
      },
    ]);
    return context;
  }

  it.each([
    [
      'another port of the same host (same site: the cookie goes along)',
      () => sameSiteEvil.url,
      true,
    ],
    ['another site', () => crossSiteEvil.url, false],
  ])(
    'refuses what a page on %s makes the browser post: nothing runs',
    async (_name, url, cookieSent) => {
      const zouCallsBefore = zou.log.length;
      const seenBefore = seen.length;
      const context = await signedIn();
      const page = await context.newPage();
      await page.goto(url());
      // The form's answer replaces the page: our refusal, as HTML since a form asked.
      await page.waitForURL(`${stack.url}/actions/notify?text=forged`);
      expect(await page.textContent('body')).toContain('Cross-site request refused');
      await context.close();

      const posts = seen.slice(seenBefore).filter((s) => s.method === 'POST');
      // The JSON call never left the browser (its preflight found no CORS grant for that origin);
      // the no-cors fetch and the form did, and were refused.
      expect(posts.map((s) => [s.headers['content-type'], s.status])).toEqual([
        ['application/x-www-form-urlencoded;charset=UTF-8', 403],
        ['application/x-www-form-urlencoded', 403],
      ]);
      for (const post of posts) {
        expect(post.headers.origin).toBe(url());
        expect(Boolean(post.headers.cookie?.includes('access_token_cookie='))).toBe(cookieSent);
      }
      expect(await jobsQueued(stack)).toBe(0);
      // Not even the session check: the refusal comes before authentication.
      expect(zou.log.slice(zouCallsBefore)).toEqual([]);
    },
  );

  it("lets Kitsu's own page through, form and AJAX, from its configured origin", async () => {
    const context = await signedIn();
    const page = await context.newPage();
    await page.goto(kitsuPage.url);
    const [tab] = await Promise.all([context.waitForEvent('page'), page.click('button')]);
    await tab.waitForURL(/\/jobs\/custom\./);
    expect(await page.evaluate('window.ajax()')).toBe(202);
    await context.close();
    expect(await jobsQueued(stack)).toBe(1); // the AJAX click is the same job (dedupe)
  });

  it('refuses a forged retry before looking the job up, and lets a script retry', async () => {
    const accepted = await request(stack.url)
      .post('/actions/notify?text=retry-me')
      .set('Authorization', `Bearer ${zou.tokens.supervisor}`)
      .send(ajaxBody())
      .expect(202);
    const link = accepted.headers.location;
    const zouCallsBefore = zou.log.length;
    for (const headers of [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site', Referer: `${stack.url}/jobs` },
    ]) {
      const res = await request(stack.url)
        .post(link.replace('?', '/retry?'))
        .set(headers)
        .set('Cookie', `access_token_cookie=${zou.tokens.supervisor}`)
        .expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden', rule: 'cross-site' });
    }
    // Even an unknown job answers 403, not 404: nothing was looked up.
    await request(stack.url)
      .post('/jobs/notify.nope/retry')
      .set('Origin', 'https://evil.example')
      .expect(403);
    expect(zou.log.slice(zouCallsBefore)).toEqual([]);
    // Without browser headers the retry is judged on its merits (the job is waiting, not failed).
    await request(stack.url).post(link.replace('?', '/retry?')).expect(409);
    // From our own job page (same origin) too.
    await request(stack.url)
      .post(link.replace('?', '/retry?'))
      .set('Origin', stack.url)
      .set('Sec-Fetch-Site', 'same-origin')
      .expect(409);
  });

  it('answers JSON naming the rule on both intake paths, HTML for a form', async () => {
    for (const path of ['/actions/notify', '/actions/notify/variant', '/actions/nope']) {
      const res = await request(stack.url)
        .post(path)
        .set('Origin', 'https://evil.example')
        .set('Cookie', `access_token_cookie=${zou.tokens.supervisor}`)
        .send(ajaxBody())
        .expect(403);
      expect(res.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        rule: 'cross-site',
        message: expect.stringMatching(
          /^Cross-site request refused: Origin https:\/\/evil\.example/,
        ),
      });
    }
    const form = await request(stack.url)
      .post('/actions/notify')
      .set('Origin', 'null')
      .type('form')
      .send(new URLSearchParams(formFields()).toString())
      .expect(403);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.text).toContain('Origin is null');
  });
});

/** The real Kitsu front end's requests (recorded, served on Kitsu's host) must still pass. */
describe('cross-site checks and the recorded Kitsu 1.0.54 requests', () => {
  let stack: TestStack;
  const kitsuOrigin = recorded.requests[0].headers.origin;

  beforeAll(async () => {
    stack = await startStack({
      workers: false,
      extra: [EchoModule],
      // The recording's persons and tasks are not in any simulator: identity is not the point here.
      env: { AUTH_MODE: 'none', KITSU_URL: kitsuOrigin },
    });
  });
  afterAll(() => stack?.close());

  function replay(entry: (typeof recorded.requests)[number], headers: Record<string, string>) {
    const call = request(stack.url).post(entry.path.replace(/^\/actions\/[a-z]+/, '/actions/echo'));
    for (const [name, value] of Object.entries({ ...entry.headers, ...headers })) {
      if (!['host', 'content-length', 'connection', 'accept-encoding'].includes(name))
        call.set(name, value);
    }
    return call.send(entry.body);
  }

  it('lets every recorded click through, form and AJAX', async () => {
    for (const entry of recorded.requests) {
      const res = await replay(entry, {});
      expect([entry.scenario, res.status]).toEqual([
        entry.scenario,
        entry.headers['content-type'].startsWith('application/json') ? 202 : 303,
      ]);
    }
  });

  it('refuses the same clicks sent from another origin', async () => {
    const queued = await jobsQueued(stack);
    for (const entry of recorded.requests) {
      const res = await replay(entry, {
        origin: 'http://127.0.0.1:9',
        referer: 'http://127.0.0.1:9/',
        'sec-fetch-site': 'same-site',
      });
      expect([entry.scenario, res.status]).toEqual([entry.scenario, 403]);
      expect(res.text).toContain('Cross-site request refused');
    }
    expect(await jobsQueued(stack)).toBe(queued);
  });
});
