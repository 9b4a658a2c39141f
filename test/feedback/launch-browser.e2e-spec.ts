import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import {
  kitsuFormPage,
  kitsuShotFormFields,
  serveKitsuPage,
  type KitsuPageServer,
} from '../support/kitsu-page';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';

describe('launch in form mode, in a browser', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let browser: Browser;
  let site: KitsuPageServer;
  const landed: string[] = [];

  /** The first `count` shot tasks of the first shot's project, one per shot. */
  function shotTasks(count: number): ZouTask[] {
    const shots = [...zou.data.tasks.values()].filter(
      (t) => zou.data.entities.get(t.entity_id)?.type === 'Shot',
    );
    const seen = new Set<string>();
    return shots
      .filter((t) => t.project_id === shots[0].project_id)
      .filter((t) => !seen.has(t.entity_id) && Boolean(seen.add(t.entity_id)))
      .slice(0, count);
  }

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 3, size: 'small' });
    // One local server plays both Kitsu (the hidden form) and the launched tool (the landing page).
    site = await serveKitsuPage((req) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/landing') {
        landed.push(url.search);
        return '<!doctype html><title>Landed</title><p id="landed">tool opened</p>';
      }
      const person = zou.data.people.supervisor;
      // `?count=3` selects that many shots (of one project, each a different shot).
      const count = Number(url.searchParams.get('count') ?? '1');
      return kitsuFormPage(
        `${stack.url}/actions/launch/review`,
        kitsuShotFormFields(person, shotTasks(count)),
      );
    });
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        // The page that posts the click plays Kitsu: its origin is the one cross-site checks trust.
        KITSU_URL: site.url,
        LAUNCHERS: JSON.stringify([
          { name: 'review', label: 'Review tool', url: `${site.url}/landing?shot={shot}` },
        ]),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await stack?.close();
    await zou?.close();
  });

  it('navigates from the job page to the launched URL once the job completes', async () => {
    const context = await browser.newContext();
    const kitsu = await context.newPage();
    await kitsu.goto(`${site.url}/`);
    const [tab] = await Promise.all([context.waitForEvent('page'), kitsu.click('button')]);
    await tab.waitForURL(/\/landing\?shot=/);
    expect(await tab.textContent('#landed')).toBe('tool opened');
    expect(landed[0]).toMatch(/^\?shot=SH/);
    await context.close();
  });

  it('shows one button per URL when there are several, and opens each only when pressed', async () => {
    const tasks = shotTasks(3);
    const names = tasks.map((t) => zou.data.entities.get(t.entity_id)!.name);
    const landedBefore = landed.length;
    const context = await browser.newContext();
    const kitsu = await context.newPage();
    await kitsu.goto(`${site.url}/?count=3`);
    const [jobPage] = await Promise.all([context.waitForEvent('page'), kitsu.click('button')]);
    await jobPage.waitForSelector('#job[data-state="completed"]', { timeout: 15000 });
    const buttons = jobPage.locator('a.launch-link');
    expect(await buttons.count()).toBe(3);
    const labels = await buttons.allTextContents();
    for (const [index, name] of names.entries()) {
      expect(labels[index]).toContain(name);
      expect(labels[index]).toMatch(/in Review tool$/);
    }
    // Nothing opened by itself: the page stays, with no tab for any of the three.
    expect(jobPage.url()).toMatch(/\/jobs\//);
    expect(await jobPage.locator('#open-url').count()).toBe(0);
    expect(context.pages()).toHaveLength(2);
    expect(landed).toHaveLength(landedBefore);
    // The second button opens the second shot, in a tab of its own.
    const [tool] = await Promise.all([context.waitForEvent('page'), buttons.nth(1).click()]);
    await tool.waitForURL(/\/landing\?shot=/);
    expect(new URL(tool.url()).searchParams.get('shot')).toBe(names[1]);
    expect(jobPage.url()).toMatch(/\/jobs\//);
    expect(landed).toHaveLength(landedBefore + 1);
    await context.close();
  });
});
