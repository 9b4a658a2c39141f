import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { startFlamencoSimulator, type FlamencoSimulator } from '../../dev/simulator/farms';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import { ProducerConnection } from '../../src/queues/producer-connection';
import type { ZouTask } from '../../src/zou/zou.types';
import { launchChromium } from '../support/chromium';
import {
  kitsuFormPage,
  kitsuShotFormFields,
  serveKitsuPage,
  type KitsuPageServer,
} from '../support/kitsu-page';
import { startStack, type TestStack } from '../support/stack';

const KEY = 'options-page-shared-key-0123456789';

interface FlamencoSubmission {
  name: string;
  priority: number;
  worker_tag?: string;
  settings: { frames: string; chunk_size: number; blendfile: string };
}

/**
 * A render asked before it acts: the form-mode click lands on its options page, the person changes
 * priority, frame range and chunk size, and the Flamenco simulator receives exactly those.
 */
describe('render options in a browser', () => {
  let zou: ZouSimulator;
  let farm: FlamencoSimulator;
  let stack: TestStack;
  let browser: Browser;
  let kitsu: KitsuPageServer;
  let tasks: ZouTask[];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 12, size: 'small' });
    farm = await startFlamencoSimulator();
    tasks = [...zou.data.tasks.values()]
      .filter((task) => {
        const entity = zou.data.entities.get(task.entity_id);
        const data = (entity?.data ?? {}) as Record<string, unknown>;
        return (
          entity?.type === 'Shot' &&
          task.project_id === zou.data.projectIds.tvShow &&
          data.frame_in !== undefined
        );
      })
      .slice(0, 2);
    const person = zou.data.people.supervisor;
    kitsu = await serveKitsuPage(() =>
      kitsuFormPage(`${stack.url}/actions/render?key=${KEY}`, kitsuShotFormFields(person, tasks)),
    );
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: KEY,
        KITSU_URL: 'https://kitsu.test',
        CORS_ORIGINS: kitsu.url,
        RENDER_FARM: 'flamenco',
        FLAMENCO_URL: farm.url,
        RENDER_TRACKING: 'off',
        OPTIONS_PENDING_TTL_S: '120',
        ZOU_RETRIES: '0',
        FEEDBACK_RENDER: 'never',
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

  /** Clicks the action in "Kitsu" and answers the tab it opens, on the options page. */
  async function openOptions(context: BrowserContext): Promise<Page> {
    const origin = await context.newPage();
    await origin.goto(kitsu.url);
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      origin.click('button[type=submit]'),
    ]);
    await tab.waitForSelector('#options-form');
    return tab;
  }

  const submissions = () =>
    farm
      .submissions()
      .filter((entry) => entry.verdict === 'accepted')
      .map((entry) => entry.body as FlamencoSubmission);

  it('asks for the options, and the farm receives the chosen priority, frame range and chunk size', async () => {
    expect(tasks).toHaveLength(2);
    const context = await browser.newContext();
    const page = await openOptions(context);
    expect(page.url()).toMatch(/\/options\/[\w-]{24}$/);
    // The selection by name, the defaults from the configuration.
    for (const task of tasks) {
      const row = page.locator(`tr[data-selected-task="${task.id}"]`);
      expect(await row.textContent()).toContain(zou.data.entities.get(task.entity_id)!.name);
    }
    expect(await page.inputValue('#option-priority')).toBe('50');
    expect(await page.inputValue('#option-framesPerTask')).toBe('10');

    const before = submissions().length;
    await page.fill('#option-priority', '85');
    await page.fill('#option-frameRange', '1001 - 1010');
    await page.fill('#option-framesPerTask', '5');
    // Step 1 asks what kind of place (Flamenco: worker tags), step 2 lists the Manager's tags.
    expect(await page.textContent('#option-step')).toBe('step 1 of 2');
    await page.selectOption('#option-poolType', 'tag');
    await Promise.all([page.waitForSelector('#option-pool'), page.click('#next')]);
    expect(page.url()).toMatch(/\/options\/[\w-]{24}$/);
    expect(await page.textContent('[data-kept="priority"] dd')).toBe('85');
    expect(await page.textContent('[data-kept="poolType"] dd')).toBe('Worker tag');
    // Back to step 1, its values as chosen; Next again.
    await Promise.all([page.waitForSelector('#option-poolType'), page.click('#back')]);
    expect(await page.textContent('#option-step')).toBe('step 1 of 2');
    expect(await page.inputValue('#option-priority')).toBe('85');
    expect(await page.inputValue('#option-poolType')).toBe('tag');
    await Promise.all([page.waitForSelector('#option-pool'), page.click('#next')]);
    const lighting = [...farm.workerTags.values()].find((tag) => tag.name === 'lighting')!;
    const listed = await page.locator('#option-pool option').allTextContents();
    expect(listed).toEqual(['Farm default', 'lighting', 'fx']);
    await page.selectOption('#option-pool', { label: 'lighting' });
    await Promise.all([page.waitForURL(/\/jobs\/render\./), page.click('#run')]);
    await page.waitForSelector('#job-options');
    expect(await page.locator('[data-option="priority"] dd').textContent()).toBe('85');
    expect(await page.locator('[data-option="frameRange"] dd').textContent()).toBe('1001-1010');
    await stack.waitForJob(new URL(page.url()).pathname.split('/')[2]);

    const received = submissions().slice(before);
    expect(received).toHaveLength(2);
    for (const job of received) {
      expect(job.priority).toBe(85);
      expect(job.settings.frames).toBe('1001-1010');
      expect(job.settings.chunk_size).toBe(5);
      expect(job.worker_tag).toBe(lighting.id);
    }
    await context.close();
  });

  it('shows the form when the farm cannot be reached, the pool field explained; Run takes the farm default', async () => {
    const context = await browser.newContext();
    const page = await openOptions(context);
    await page.selectOption('#option-poolType', 'tag');
    farm.setUnavailable(true);
    try {
      const [step2] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'GET' && /\/options\//.test(r.url())),
        page.click('#next'),
      ]);
      expect(step2.status()).toBe(200);
      expect(await page.textContent('#option-pool-unavailable')).toMatch(
        /^Not listed now: Flamenco did not answer/,
      );
      expect(await page.locator('#option-pool option').allTextContents()).toEqual(['Farm default']);
      // A value the farm could not confirm is refused, naming the field.
      const id = page.url().split('/').pop()!;
      const forced = await context.request.post(page.url(), {
        form: { pool: [...farm.workerTags.keys()][0] },
        headers: { Origin: stack.url },
        maxRedirects: 0,
      });
      expect(forced.status()).toBe(422);
      expect(await forced.text()).toContain('Pool, group, tag or host cannot be checked now');
      expect(id).toHaveLength(24);
    } finally {
      farm.setUnavailable(false);
    }
    const before = submissions().length;
    await Promise.all([page.waitForURL(/\/jobs\/render\./), page.click('#run')]);
    await stack.waitForJob(new URL(page.url()).pathname.split('/')[2]);
    const received = submissions().slice(before);
    expect(received).toHaveLength(2);
    for (const job of received) expect(job.worker_tag).toBeUndefined();
    await context.close();
  });

  it('shows each bad value next to its field, queues nothing, and runs once corrected', async () => {
    const context = await browser.newContext();
    const page = await openOptions(context);
    const before = submissions().length;
    await page.fill('#option-priority', '500');
    await page.fill('#option-frameRange', '1100-1001');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#next'),
    ]);
    expect(answer.status()).toBe(422);
    await page.waitForSelector('#option-errors');
    expect(await page.locator('#option-priority-error').textContent()).toBe(
      'Priority must be between 0 and 100',
    );
    expect(await page.locator('#option-frameRange-error').textContent()).toMatch(
      /^Frame range must be empty or first-last/,
    );
    // What was typed stays, so it can be corrected.
    expect(await page.inputValue('#option-priority')).toBe('500');
    expect(await page.locator('#option-priority').getAttribute('aria-invalid')).toBe('true');
    expect(submissions()).toHaveLength(before);

    await page.fill('#option-priority', '20');
    await page.fill('#option-frameRange', '');
    // The farm default leaves nothing to choose in step 2: Next runs the render at once.
    await Promise.all([page.waitForURL(/\/jobs\/render\./), page.click('#next')]);
    await stack.waitForJob(new URL(page.url()).pathname.split('/')[2]);
    const received = submissions().slice(before);
    expect(received.map((job) => job.priority)).toEqual([20, 20]);
    // Empty frame range: each shot's own.
    for (const job of received) expect(job.settings.frames).toMatch(/^\d+-\d+$/);
    await context.close();
  });

  it('refuses the form to another browser, and once it has expired; Cancel queues nothing', async () => {
    const mine = await browser.newContext();
    const page = await openOptions(mine);
    const url = page.url();
    const id = url.split('/').pop()!;
    const redis = stack.app.get(ProducerConnection).client;
    const key = `${stack.env.QUEUE_PREFIX}:options:${id}`;
    // Kept server-side with the configured expiry.
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    const stored = JSON.parse((await redis.get(key))!) as { request: { personId: string } };
    expect(stored.request.personId).toBe(zou.data.people.supervisor.id);

    // Someone else's browser, with the link: the page and a post are refused.
    const other = await browser.newContext();
    const stranger = await other.newPage();
    const shown = await stranger.goto(url);
    expect(shown!.status()).toBe(403);
    expect(await stranger.textContent('body')).toContain('belongs to another person or browser');
    const posted = await other.request.post(url, {
      form: { priority: '1' },
      headers: { Origin: stack.url },
      maxRedirects: 0,
    });
    expect(posted.status()).toBe(403);
    await other.close();

    // A page on another site posting with this browser's cookies: the cross-site check refuses it.
    const forged = await mine.request.post(url, {
      form: { priority: '100' },
      headers: { Origin: 'https://evil.test', 'Sec-Fetch-Site': 'cross-site' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('Cross-site request refused');
    expect(await redis.exists(key)).toBe(1);

    // Expired: Redis forgot the click; Run is refused with a page that says what to do.
    const before = submissions().length;
    await redis.pexpire(key, 1);
    while ((await redis.exists(key)) === 1) await new Promise((resolve) => setImmediate(resolve));
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#next'),
    ]);
    expect(answer.status()).toBe(410);
    expect(await page.textContent('body')).toContain('expired or was already used');
    expect(submissions()).toHaveLength(before);

    // Cancel: the click is dropped, nothing queued, the form cannot be used again.
    const again = await openOptions(mine);
    const againUrl = again.url();
    await Promise.all([again.waitForSelector('#options-ended'), again.click('#cancel')]);
    expect(await again.textContent('#options-ended')).toContain('nothing was queued');
    const reopened = await again.goto(againUrl);
    expect(reopened!.status()).toBe(410);
    expect(submissions()).toHaveLength(before);
    await mine.close();
  });

  it('takes options from a script as JSON, numbers only where numbers go (400 naming the field)', async () => {
    const person = zou.data.people.supervisor;
    const click = (options: unknown) =>
      request(stack.url)
        .post(`/actions/render?key=${KEY}`)
        .send({
          userid: person.id,
          useremail: person.email,
          productionid: tasks[0].project_id,
          originurl: '/',
          originserver: 'kitsu.test',
          selection: [tasks[0].id],
          options,
        });
    for (const [options, field] of [
      [{ priority: '80; rm -rf /' }, 'options.priority'],
      [{ priority: 101 }, 'options.priority'],
      [{ frameRange: '1-10 -o /etc' }, 'options.frameRange'],
      [{ frameRange: '$(id)' }, 'options.frameRange'],
      [{ framesPerTask: 0 }, 'options.framesPerTask'],
      [{ outputPath: '/etc' }, 'options.outputPath'],
      [{ poolType: 'tag', pool: 'no-such-tag' }, 'options.pool'],
      [{ poolType: 'pool', pool: '' }, 'options.poolType'],
      ['fast', 'options'],
    ] as const) {
      const answer = await click(options).expect(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    const before = submissions().length;
    const fx = [...farm.workerTags.values()].find((tag) => tag.name === 'fx')!;
    const accepted = await click({
      priority: 90,
      frameRange: '1-20',
      poolType: 'tag',
      pool: fx.id,
    }).expect(202);
    await stack.waitForJob(accepted.body.jobId as string);
    const [job] = submissions().slice(before);
    expect(job.worker_tag).toBe(fx.id);
    expect(job.priority).toBe(90);
    expect(job.settings.frames).toBe('1-20');
    expect(job.settings.chunk_size).toBe(10);
    // The "submitted" comment names the options changed from the click's defaults, on one line.
    const comment = [...zou.data.comments.values()].find(
      (c) => c.object_id === tasks[0].id && c.text.includes(', frames 1-20'),
    );
    // Live choices by the names the form listed (the tag's name, not its UUID).
    expect(comment?.text).toMatch(
      /\nOptions: frame range 1-20, priority 90, send to Worker tag, pool, group, tag or host fx$/,
    );
    const view = await request(stack.url)
      .get(accepted.body.statusUrl.replace(stack.url, '').replace(/^https?:\/\/[^/]+/, ''))
      .set('Accept', 'application/json')
      .expect(200);
    expect(view.body.options).toEqual([
      { name: 'frameRange', label: 'Frame range', value: '1-20' },
      { name: 'priority', label: 'Priority', value: 90 },
      { name: 'framesPerTask', label: 'Frames per farm task', value: 10 },
      { name: 'poolType', label: 'Send to', value: 'tag', valueLabel: 'Worker tag' },
      { name: 'pool', label: 'Pool, group, tag or host', value: fx.id, valueLabel: 'fx' },
    ]);
  });
});
