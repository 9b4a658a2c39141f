import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ForwardPayload } from '../../src/actions/forward/forward-payload';
import { verifySignature } from '../../src/auth/signature';
import type { ZouTask } from '../../src/zou/zou.types';
import { launchChromium } from '../support/chromium';
import {
  kitsuFormPage,
  kitsuShotFormFields,
  serveKitsuPage,
  type KitsuPageServer,
} from '../support/kitsu-page';
import { startStack, type TestStack } from '../support/stack';

const KEY = 'forward-options-browser-key-0123456789';
const SECRET = 'forward-options-browser-secret-0123';

/** The fields a studio declares on its forwarder in JSON (src/actions/forward/README.md). */
const FIELDS = [
  { name: 'brief', kind: 'textarea', label: 'Brief', rows: 3, maxLength: 500 },
  {
    name: 'deliverables',
    kind: 'multi-select',
    label: 'Deliverables',
    choices: [
      { value: 'mov', label: 'QuickTime' },
      { value: 'exr', label: 'EXR frames' },
      { value: 'wav', label: 'Audio' },
    ],
    default: ['mov'],
  },
  { name: 'dueDate', kind: 'date', label: 'Due', minDate: '2026-01-01' },
];

/**
 * A forwarder's own fields in a browser: the form-mode click lands on the form, the person types
 * several lines, ticks boxes and picks a day, and the studio's service receives exactly those.
 */
describe('forwarder options in a browser', () => {
  let zou: ZouSimulator;
  let stack: TestStack;
  let browser: Browser;
  let kitsu: KitsuPageServer;
  let receiver: http.Server;
  let tasks: ZouTask[];
  const received: ForwardPayload[] = [];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 5, size: 'small' });
    tasks = [...zou.data.tasks.values()]
      .filter((task) => zou.data.entities.get(task.entity_id)?.type === 'Shot')
      .slice(0, 2);
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signed = verifySignature({
          secret: SECRET,
          timestampHeader: req.headers['x-kitsu-actions-timestamp'] as string | undefined,
          signatureHeader: req.headers['x-kitsu-actions-signature'] as string | undefined,
          body,
        });
        if (signed.ok) received.push(JSON.parse(body) as ForwardPayload);
        res.writeHead(signed.ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: signed.ok ? 'noted' : 'bad signature' }));
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const person = zou.data.people.supervisor;
    kitsu = await serveKitsuPage(() =>
      kitsuFormPage(
        `${stack.url}/actions/forward/review?key=${KEY}`,
        kitsuShotFormFields(person, tasks),
      ),
    );
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        AUTH_MODE: 'shared-secret',
        ACTION_KEY: KEY,
        KITSU_URL: 'https://kitsu.test',
        CORS_ORIGINS: kitsu.url,
        ZOU_RETRIES: '0',
        FORWARD_REVIEW_SECRET: SECRET,
        FORWARDERS: JSON.stringify([
          {
            name: 'review',
            label: 'Send to the review room',
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/review`,
            secretEnv: 'FORWARD_REVIEW_SECRET',
            options: FIELDS,
          },
        ]),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kitsu?.close();
    receiver?.closeAllConnections();
    receiver?.close();
    await stack?.close();
    await zou?.close();
  });

  it('delivers the text typed on several lines, the boxes ticked and the day picked', async () => {
    const context = await browser.newContext();
    const origin = await context.newPage();
    await origin.goto(kitsu.url);
    const [page] = await Promise.all([
      context.waitForEvent('page'),
      origin.click('button[type=submit]'),
    ]);
    await page.waitForSelector('#options-form');
    // Titled as the person's menu entry: the forwarder's own label.
    expect(await page.textContent('h1')).toBe('Send to the review room');
    // The declared default is ticked; the boxes are named by a legend.
    expect(await page.textContent('#option-deliverables legend')).toBe('Deliverables');
    expect(await page.isChecked('#option-deliverables-0')).toBe(true);

    await page.fill('#option-brief', 'Grade to match SH010.\nKeep the "hero" light <warm>.');
    await page.uncheck('#option-deliverables-0');
    await page.check('#option-deliverables-1');
    await page.check('#option-deliverables-2');
    await page.fill('#option-dueDate', '2026-04-15');
    await Promise.all([page.waitForURL(/\/jobs\/forward\./), page.click('#run')]);
    await stack.waitForJob(new URL(page.url()).pathname.split('/')[2]);

    expect(received).toHaveLength(1);
    expect(received[0].options).toEqual({
      brief: 'Grade to match SH010.\nKeep the "hero" light <warm>.',
      deliverables: ['exr', 'wav'],
      dueDate: '2026-04-15',
    });
    expect(received[0].tasks.map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    await context.close();
  });
});
