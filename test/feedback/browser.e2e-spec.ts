import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createWorkerContext } from '../../src/bootstrap';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-output', 'screenshots');

/** A page shaped like Kitsu's hidden custom-action form: a form POST into a new tab. */
function kitsuLikePage(actionUrl: string): string {
  const fields: Record<string, string> = {
    personid: randomUUID(),
    personemail: 'ana@studio.test',
    projectid: randomUUID(),
    currentpath: '/productions/x/shots',
    currentserver: 'kitsu.test',
    selection: [randomUUID(), randomUUID()].join(','),
    entitytype: 'shot',
  };
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  return `<!doctype html><html><body><form id="action" method="POST" target="_blank" action="${actionUrl}">${inputs}<button type="submit">Run</button></form></body></html>`;
}

describe('job page in a browser', () => {
  let stack: TestStack;
  let worker: INestApplicationContext | null = null;
  let browser: Browser;
  let kitsu: http.Server;
  let kitsuUrl: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    kitsu = http.createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      res.setHeader('Content-Type', 'text/html');
      res.end(kitsuLikePage(`${stack.url}/actions/echo${query}`));
    });
    await new Promise<void>((resolve) => kitsu.listen(0, '127.0.0.1', resolve));
    kitsuUrl = `http://127.0.0.1:${(kitsu.address() as AddressInfo).port}`;
    // The page that posts the click plays Kitsu: its origin is the one cross-site checks trust.
    stack = await startStack({ extra: [EchoModule], workers: false, env: { KITSU_URL: kitsuUrl } });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => kitsu?.close(resolve));
    if (worker) await worker.close();
    await stack?.close();
  });

  async function clickAction(query = ''): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const origin = await context.newPage();
    await origin.goto(`${kitsuUrl}/?q=${encodeURIComponent(query)}`);
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
