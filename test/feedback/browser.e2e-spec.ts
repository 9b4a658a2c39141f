import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { kitsuFormPage, serveKitsuPage, type KitsuPageServer } from '../support/kitsu-page';
import { createWorkerContext } from '../../src/bootstrap';
import { startFlamencoSimulator, type FlamencoSimulator } from '../../dev/simulator/farms';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-output', 'screenshots');

/** A page shaped like Kitsu's hidden custom-action form: a form POST into a new tab. */
function kitsuLikePage(actionUrl: string, overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    personid: randomUUID(),
    personemail: 'ana@studio.test',
    projectid: randomUUID(),
    currentpath: '/productions/x/shots',
    currentserver: 'kitsu.test',
    selection: [randomUUID(), randomUUID()].join(','),
    entitytype: 'shot',
    ...overrides,
  };
  return kitsuFormPage(actionUrl, fields);
}

describe('job page in a browser', () => {
  let stack: TestStack;
  let worker: INestApplicationContext | null = null;
  let browser: Browser;
  let kitsu: KitsuPageServer;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    kitsu = await serveKitsuPage((req) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      return kitsuLikePage(`${stack.url}/actions/echo${query}`);
    });
    // The page that posts the click plays Kitsu: its origin is the one cross-site checks trust.
    stack = await startStack({
      extra: [EchoModule],
      workers: false,
      env: { KITSU_URL: kitsu.url },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kitsu?.close();
    if (worker) await worker.close();
    await stack?.close();
  });

  async function clickAction(query = ''): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const origin = await context.newPage();
    await origin.goto(`${kitsu.url}/?q=${encodeURIComponent(query)}`);
    const [jobPage] = await Promise.all([
      context.waitForEvent('page'),
      origin.click('button[type=submit]'),
    ]);
    await jobPage.waitForSelector('#job');
    return jobPage;
  }

  it('lands on the job page from a form action and follows it to completion without reload', async () => {
    const page = await clickAction();
    expect(page.url()).toMatch(/\/jobs\/custom\./);
    await page.waitForSelector('#job[data-state="waiting"]');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-waiting.png'), fullPage: true });
    // A reload would lose this marker.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 1;
    });
    worker = await createWorkerContext({ env: stack.env, extra: [EchoModule], logger: false });
    await page.waitForSelector('#job[data-state="completed"]', { timeout: 15000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
      1,
    );
    expect(await page.locator('#bar').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('.badge').first().textContent()).toBe('Done');
    await page.getByText('Raw JSON').click();
    await expect(page.locator('.raw pre').textContent()).resolves.toContain('"format": "form"');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-completed.png'), fullPage: true });
  });

  it("shows a failed job's reason and a retry button", async () => {
    worker ??= await createWorkerContext({ env: stack.env, extra: [EchoModule], logger: false });
    const page = await clickAction('?fail=permanent');
    await page.waitForSelector('#job[data-state="failed"]', { timeout: 15000 });
    expect(await page.locator('#failed-reason').textContent()).toBe('echo was told to fail');
    expect(await page.getByRole('button', { name: 'Retry' }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-failed.png'), fullPage: true });
  });
});

const KEY = 'render-page-shared-key-0123456789';

/**
 * A render followed on its job page from the click to the last farm job, without a reload: the
 * farm (Flamenco simulator) moves only when the test says so, and the page must follow each move.
 */
describe('render job page in a browser', () => {
  let zou: ZouSimulator;
  let farm: FlamencoSimulator;
  let stack: TestStack;
  let browser: Browser;
  let kitsu: KitsuPageServer;
  let tasks: ZouTask[];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    zou = await startZouSimulator({ seed: 12, size: 'small' });
    farm = await startFlamencoSimulator();
    tasks = [...zou.data.tasks.values()]
      .filter((task) => {
        const entity = zou.data.entities.get(task.entity_id);
        const data = (entity?.data ?? {}) as Record<string, unknown>;
        return (
          entity?.type === 'Shot' &&
          task.project_id === zou.data.projectIds.tvShow &&
          data.frame_in !== undefined &&
          data.frame_out !== undefined
        );
      })
      .slice(0, 3);
    const person = zou.data.people.supervisor;
    kitsu = await serveKitsuPage(() =>
      kitsuLikePage(`${stack.url}/actions/render?key=${KEY}`, {
        personid: person.id,
        personemail: person.email,
        projectid: tasks[0].project_id,
        selection: tasks.map((t) => t.id).join(','),
      }),
    );
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        // No Kitsu session reaches us: the page and its links open with the ?view= token only.
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: KEY,
        KITSU_URL: 'https://kitsu.test',
        // The page posting the click plays Kitsu from another origin, trusted as Kitsu's AJAX one.
        CORS_ORIGINS: kitsu.url,
        RENDER_FARM: 'flamenco',
        FLAMENCO_URL: farm.url,
        RENDER_TRACK_INTERVAL_MS: '100',
        ZOU_RETRIES: '0',
        FEEDBACK_RENDER: 'never',
        FEEDBACK_RENDER_TRACK: 'never',
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kitsu?.close();
    await stack?.close();
    await farm?.close();
    await zou?.close();
  });

  /** The farm job id of a task, from its row once the page shows it. */
  async function farmJobOf(page: Page, taskId: string): Promise<string> {
    const row = page.locator(`tr[data-task-id="${taskId}"]`);
    await row.waitFor();
    return (await row.locator('td').nth(1).textContent())!.trim();
  }

  const rowState = (taskId: string, state: string) =>
    `tr[data-task-id="${taskId}"][data-state="${state}"]`;

  it('shows the render running while its farm jobs run, each state live, then its outcome', async () => {
    expect(tasks).toHaveLength(3);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The page's only timer is its polling fallback: record it, so the test proves the events did it.
    await context.addInitScript(() => {
      const scope = globalThis as unknown as { setInterval: unknown; polled?: boolean };
      scope.setInterval = () => {
        scope.polled = true;
        return 0;
      };
    });
    const origin = await context.newPage();
    await origin.goto(kitsu.url);
    const [page] = await Promise.all([
      context.waitForEvent('page'),
      origin.click('button[type=submit]'),
    ]);
    // A render asks for its options first (test/feedback/options-browser.e2e-spec.ts), in two
    // steps (where it runs comes second): the defaults.
    await page.waitForSelector('#options-form');
    // The farm default leaves no pool to choose: Next runs it (no empty second step).
    await page.click('#next');
    await page.waitForSelector('#job');
    expect(page.url()).toMatch(/\/jobs\/render\.[\w-]+\?view=[\w-]{32}$/);
    const view = new URL(page.url()).search;
    // A reload would lose this marker.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 1;
    });

    // Submitted: the farm jobs are queued, the render is running, not done.
    const [first, second, third] = tasks.map((t) => t.id);
    await page.waitForSelector(rowState(third, 'queued'));
    const badge = page.locator('.title-row .badge');
    expect(await badge.getAttribute('data-phase')).toBe('running');
    expect(await badge.textContent()).toBe('Rendering');
    expect(await page.locator('#job').getAttribute('data-final')).toBe('false');
    expect(await page.locator('#progress-message').textContent()).toBe(
      'Rendering on the farm: 0 of 3 done, 3 queued',
    );

    // Task names link to Kitsu; tracking links carry the page's token and open without a session.
    const entity = zou.data.entities.get(tasks[0].entity_id)!;
    const nameLink = page.locator(`tr[data-task-id="${first}"] td a`).first();
    expect(await nameLink.getAttribute('href')).toMatch(
      new RegExp(
        `^https://kitsu\\.test/productions/${tasks[0].project_id}/episodes/[\\w-]+/shots/tasks/${first}$`,
      ),
    );
    expect(await nameLink.textContent()).toContain(entity.name);
    const tracking = page.locator(`tr[data-task-id="${first}"] a`, { hasText: 'tracking' });
    const trackingHref = (await tracking.getAttribute('href'))!;
    expect(trackingHref).toMatch(
      new RegExp(
        `^/jobs/render-tracking\\.[\\w-]+\\?view=${new URLSearchParams(view).get('view')}$`,
      ),
    );
    const poll = await context.request.get(`${stack.url}${trackingHref}`, {
      headers: { Accept: 'application/json' },
    });
    expect(poll.status()).toBe(200);
    const withoutToken = await context.request.get(`${stack.url}${trackingHref.split('?')[0]}`, {
      headers: { Accept: 'application/json' },
    });
    expect(withoutToken.status()).toBe(404);

    const [jobA, jobB, jobC] = [
      await farmJobOf(page, first),
      await farmJobOf(page, second),
      await farmJobOf(page, third),
    ];
    farm.advance(jobA, 'active', 50);
    await page.waitForSelector(rowState(first, 'active'));
    expect(await page.locator(`tr[data-task-id="${first}"] .render-state`).textContent()).toBe(
      'active 50%',
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'render-rendering.png'), fullPage: true });

    farm.advance(jobA, 'completed');
    await page.waitForSelector(rowState(first, 'completed'));
    await page.waitForFunction(
      `document.getElementById('progress-message').textContent === 'Rendering on the farm: 1 of 3 done, 2 queued'`,
    );
    expect(await badge.textContent()).toBe('Rendering');

    farm.advance(jobB, 'failed', 30, 'Blender crashed on frame 1042');
    await page.waitForSelector(rowState(second, 'failed'));
    expect(await page.locator('.render-group').first().getAttribute('data-group')).toBe('failed');
    expect(await badge.getAttribute('data-phase')).toBe('running');

    farm.advance(jobC, 'completed');
    await page.waitForSelector('#job[data-final="true"]');
    expect(await badge.textContent()).toBe('Some failed');
    expect(await badge.getAttribute('data-tone')).toBe('warning');
    expect(await page.locator('#progress-message').textContent()).toBe(
      '2 of 3 tasks rendered, 1 failed',
    );
    expect(await page.locator(rowState(third, 'completed')).count()).toBe(1);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
      1,
    );
    expect(await page.evaluate(() => (globalThis as unknown as { polled?: boolean }).polled)).toBe(
      undefined,
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'render-ended.png'), fullPage: true });
    await context.close();
  });
});

/**
 * A forward refused by the studio's own service, followed on its job page: the page names the
 * service and shows what it answered, and a retry from the page adds attempts, never repeats one.
 */
describe('failed forward job page in a browser', () => {
  const SECRET = 'forward-browser-secret-0123456789';
  let zou: ZouSimulator;
  let stack: TestStack;
  let browser: Browser;
  let receiver: http.Server;
  let answers: Array<(res: http.ServerResponse) => void> = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    receiver = http.createServer((req, res) => {
      req.resume();
      // The last answer repeats.
      req.on('end', () => (answers.length > 1 ? answers.shift()! : answers[0])(res));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    zou = await startZouSimulator({ seed: 23, size: 'small' });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        FORWARDERS: JSON.stringify([
          {
            name: 'picky',
            label: 'Picky script',
            url: `${receiverUrl}/in`,
            secret: SECRET,
            attempts: 2,
          },
        ]),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await stack?.close();
    await zou?.close();
  });

  const reply = (status: number, type: string, body: string) => (res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };

  it("shows the target's status and message, the forwarder's limit, an ended bar, and no repeated row after a retry", async () => {
    answers = [
      reply(422, 'application/json', JSON.stringify({ message: 'shot has no <b>camera</b>' })),
    ];
    const shot = [...zou.data.tasks.values()].find(
      (task) => zou.data.entities.get(task.entity_id)?.type === 'Shot',
    )!;
    const person = zou.data.people.supervisor;
    const accepted = await fetch(`${stack.url}/actions/forward/picky`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userid: person.id,
        useremail: person.email,
        productionid: shot.project_id,
        selection: [shot.id],
        entitytype: 'shot',
      }),
    });
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.url}/jobs/${jobId}`);
    await page.waitForSelector('#job[data-final="true"][data-state="failed"]', { timeout: 15000 });
    expect(await page.locator('#target-status').textContent()).toBe('HTTP 422');
    // Shown as text, never as markup.
    expect(await page.locator('#target-message').textContent()).toBe('shot has no <b>camera</b>');
    expect(await page.locator('#target-message b').count()).toBe(0);
    const plain = (await page.locator('.failure .plain').textContent())!;
    expect(plain).toContain('"Picky script" (forwarder picky');
    expect(plain).toContain('HTTP 422');
    expect(plain).not.toContain('Kitsu (or a service it needs) could not be reached');
    const attemptsFact = page.locator('.facts div', { hasText: 'Attempts' }).locator('dd');
    expect(await attemptsFact.textContent()).toBe('1 of 2');
    const bar = page.locator('#bar');
    expect(await bar.getAttribute('data-ended')).toBe('failed');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('#progress-message').textContent()).toMatch(
      /^Not delivered: Picky script answered HTTP 422/,
    );
    expect(await page.locator('#what-happened li').allTextContents()).toEqual([
      expect.stringMatching(/^Read 1 task\(s\) from Kitsu/),
      expect.stringMatching(/^Delivery 1 \(attempt 1 of 2\) to .*: HTTP 422/),
    ]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'forward-refused.png'), fullPage: true });

    // The service is now down (500, then 500): a retry from the page makes two more attempts.
    answers = [reply(500, 'text/plain', 'database is down')];
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForSelector('#job[data-final="true"] tr[data-attempt="3"]', { timeout: 15000 });
    expect(await page.locator('#job').getAttribute('data-state')).toBe('failed');
    const rows = page.locator('.failure tr[data-attempt]');
    expect(
      await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-attempt'))),
    ).toEqual(['1', '2', '3']);
    expect(await page.locator('.failure .of-limit').allTextContents()).toEqual([
      '1 of 2',
      '1 of 2 (new run)',
      '2 of 2',
    ]);
    expect(await page.locator('#target-status').textContent()).toBe('HTTP 500');
    expect(await page.locator('#target-message').textContent()).toBe('database is down');
    expect(await attemptsFact.textContent()).toBe('2 of 2');
    expect(await bar.getAttribute('data-ended')).toBe('failed');
    expect(await bar.getAttribute('aria-valuenow')).toBe('100');
    const deliveryLines = (await page.locator('#what-happened li').allTextContents()).filter((l) =>
      l.startsWith('Delivery '),
    );
    expect(deliveryLines.map((l) => l.split(' (')[0])).toEqual([
      'Delivery 1',
      'Delivery 2',
      'Delivery 3',
    ]);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'forward-retried-failed.png'),
      fullPage: true,
    });
    await context.close();
  });
});
