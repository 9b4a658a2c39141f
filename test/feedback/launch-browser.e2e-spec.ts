import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startZouSimulator, type ZouSimulator } from '../../src/simulator/zou';
import { startStack, type TestStack } from '../support/stack';

describe('launch in form mode, in a browser', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let browser: Browser;
  let site: http.Server;
  let siteUrl: string;
  const landed: string[] = [];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 3, size: 'small' });
    // One local server plays both Kitsu (the hidden form) and the launched tool (the landing page).
    site = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('Content-Type', 'text/html');
      if (url.pathname === '/landing') {
        landed.push(url.search);
        res.end('<!doctype html><title>Landed</title><p id="landed">tool opened</p>');
        return;
      }
      const person = zou.data.people.supervisor;
      const task = [...zou.data.tasks.values()].find(
        (t) => zou.data.entities.get(t.entity_id)?.type === 'Shot',
      )!;
      const fields = {
        personid: person.id,
        personemail: person.email ?? '',
        projectid: task.project_id,
        currentpath: '/',
        currentserver: 'kitsu.test',
        selection: task.id,
        entitytype: 'shot',
      };
      const inputs = Object.entries(fields)
        .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
        .join('');
      res.end(
        `<!doctype html><form method="POST" target="_blank" action="${stack.url}/actions/launch/review">${inputs}<button type="submit">Run</button></form>`,
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        // The page that posts the click plays Kitsu: its origin is the one cross-site checks trust.
        KITSU_URL: siteUrl,
        LAUNCHERS: JSON.stringify([
          { name: 'review', label: 'Review tool', url: `${siteUrl}/landing?shot={shot}` },
        ]),
      },
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await stack?.close();
    await zou?.close();
  });

  it('navigates from the job page to the launched URL once the job completes', async () => {
    const context = await browser.newContext();
    const kitsu = await context.newPage();
    await kitsu.goto(`${siteUrl}/`);
    const [tab] = await Promise.all([context.waitForEvent('page'), kitsu.click('button')]);
    await tab.waitForURL(/\/landing\?shot=/);
    expect(await tab.textContent('#landed')).toBe('tool opened');
    expect(landed[0]).toMatch(/^\?shot=SH/);
    await context.close();
  });
});
