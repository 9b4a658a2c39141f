import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { kitsuFormPage } from '../support/kitsu-page';
import { publishPreview, startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startStack, type TestStack } from '../support/stack';

/**
 * A playlist job's page in a browser: the shots added, each with its preview's thumbnail as
 * Kitsu serves it. One local server plays Kitsu: the page posting the click, and the `/api`
 * proxy to Zou that Kitsu's nginx is (here it adds the token a logged-in person's cookie carries).
 */
describe('playlist job page in a browser', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let browser: Browser;
  let kitsu: http.Server;
  let kitsuUrl: string;
  let tasks: ZouTask[];
  const thumbnailsServed: string[] = [];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 21, size: 'small' });
    const projectId = zou.data.projectIds.tvShow;
    const seen = new Set<string>();
    tasks = [...zou.data.tasks.values()]
      .filter((t) => t.project_id === projectId)
      .filter((t) => zou.data.entities.get(t.entity_id)?.type === 'Shot')
      .filter((t) => !seen.has(t.entity_id) && Boolean(seen.add(t.entity_id)))
      .slice(0, 3);
    // Of one episode and one task type would be one playlist; any mix is fine: each has a preview.
    for (const task of tasks) publishPreview(zou.data, task, { extension: 'mp4' });
    const zouOrigin = new URL(zou.url).origin;
    kitsu = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url.startsWith('/api/')) {
        if (url.startsWith('/api/pictures/thumbnails/')) thumbnailsServed.push(url);
        void fetch(`${zouOrigin}${url}`, {
          headers: { Authorization: `Bearer ${zou.tokens.bot}` },
        }).then(async (answer) => {
          res.writeHead(answer.status, {
            'Content-Type': answer.headers.get('content-type') ?? 'application/octet-stream',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        });
        return;
      }
      const person = zou.data.people.supervisor;
      const fields = {
        personid: person.id,
        personemail: person.email ?? '',
        projectid: projectId,
        currentpath: `/productions/${projectId}/shots`,
        currentserver: 'kitsu.test',
        selection: tasks.map((t) => t.id).join(','),
        entitytype: 'shot',
      };
      res.setHeader('Content-Type', 'text/html');
      res.end(kitsuFormPage(`${stack.url}/actions/playlist`, fields));
    });
    await new Promise<void>((resolve) => kitsu.listen(0, '127.0.0.1', resolve));
    kitsuUrl = `http://127.0.0.1:${(kitsu.address() as AddressInfo).port}`;
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        // The page that posts the click plays Kitsu: its origin is the one cross-site checks trust.
        KITSU_URL: kitsuUrl,
        FEEDBACK_PLAYLIST: 'never',
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => kitsu?.close(resolve));
    await stack?.close();
    await zou?.close();
  });

  it('lists the shots added, each with its thumbnail from Kitsu, and links to the playlist', async () => {
    const context = await browser.newContext();
    const origin = await context.newPage();
    await origin.goto(`${kitsuUrl}/`);
    const [page] = await Promise.all([context.waitForEvent('page'), origin.click('button')]);
    // The playlist asks for its name first (docs/options.md).
    await page.waitForSelector('#options-form');
    await page.fill('#option-name', 'Dailies from the options page');
    await page.click('#run');
    await page.waitForSelector('#job[data-state="completed"]', { timeout: 15000 });
    expect(await page.locator('.result').textContent()).toContain('Dailies from the options page');

    const shots = page.locator('.result ul.shots > li');
    expect(await shots.count()).toBe(tasks.length);
    const listed = await shots.evaluateAll((items) =>
      items.map((li) => li.getAttribute('data-entity-id')),
    );
    expect(listed.sort()).toEqual(tasks.map((t) => t.entity_id).sort());
    for (const task of tasks) {
      const shot = page.locator(`.result li[data-entity-id="${task.entity_id}"]`);
      const previewId = zou.data.tasks.get(task.id)!.last_preview_file_id!;
      const img = shot.locator('img');
      expect(await img.getAttribute('src')).toBe(
        `${kitsuUrl}/api/pictures/thumbnails/preview-files/${previewId}.png`,
      );
      // The picture really loads through Kitsu's URL.
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction(
        (el) => {
          const picture = el as unknown as { complete: boolean; naturalWidth: number };
          return picture.complete && picture.naturalWidth > 0;
        },
        await img.elementHandle(),
      );
      expect(await shot.textContent()).toContain(zou.data.entities.get(task.entity_id)!.name);
      expect(await shot.locator('a').getAttribute('href')).toContain(`/shots/${task.entity_id}`);
    }
    const open = page.locator('.result a.button', { hasText: 'Open in Kitsu' });
    expect(await open.count()).toBeGreaterThan(0);
    expect(await open.first().getAttribute('href')).toMatch(
      new RegExp(`^${kitsuUrl}/productions/[^/]+/(episodes/[^/]+/)?playlists/`),
    );
    // The Selection panel names the selected shots.
    for (const task of tasks) {
      expect(
        await page.locator(`table.selection tr[data-selected-task="${task.id}"]`).count(),
      ).toBe(1);
    }
    expect(thumbnailsServed.length).toBeGreaterThanOrEqual(tasks.length);
    await context.close();
  });
});
