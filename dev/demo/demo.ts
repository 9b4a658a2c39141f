import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { ActionRegistry } from '../../src/actions/action-registry.service';
import { createHttpApp } from '../../src/bootstrap';
import { flushLogs } from '../../src/logging/logging.module';
import { desiredCustomActions, type DesiredCustomAction } from '../../src/cli/action-registration';
import { redisAnswers, startRedisServer, type OwnRedis } from '../support/redis-server';
import {
  startFlamencoSimulator,
  type FlamencoSimulator,
} from '../simulator/farms/flamenco.simulator';
import { startZouSimulator, type ZouSimulator } from '../simulator/zou';
import { startDemoKitsu, type DemoKitsu } from './demo-kitsu';
import { startDemoReceiver } from './demo-receiver';

/** The sample launchers shipped in config/ (RV, Blender, Kabaret, a web page). */
const SAMPLE_LAUNCHERS = path.resolve(__dirname, '../../../config/launchers.example.json');
const SELECTION_SIZE = 3;

/**
 * Shot tasks of one project that have previews (so launch/rv, the playlist and stats have
 * something to show), of one task type so they make one playlist.
 */
function sampleSelection(zou: ZouSimulator, projectId: string): string[] {
  const { data } = zou;
  const byType = new Map<string, string[]>();
  for (const task of data.tasks.values()) {
    if (task.project_id !== projectId || !task.last_preview_file_id) continue;
    if (data.entities.get(task.entity_id)?.type !== 'Shot') continue;
    const ids = byType.get(task.task_type_id) ?? [];
    ids.push(task.id);
    byType.set(task.task_type_id, ids);
  }
  const best = [...byType.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  if (best.length === 0) throw new Error('The sample production has no shot task with a preview');
  return best.slice(0, SELECTION_SIZE);
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The files a printed curl reads: Kitsu's two bodies and the caller's Authorization header. */
interface CurlFiles {
  ajax: string;
  form: string;
  auth: string;
}

/** A curl that sends what Kitsu sends for this entry, ready to paste. */
function curlFor(entry: DesiredCustomAction, files: CurlFiles): string {
  if (entry.is_ajax) {
    return (
      `curl -s -w '\\nHTTP %{http_code}\\n' -H 'Content-Type: application/json' -H @${files.auth} ` +
      `--data @${files.ajax} ${quote(entry.url)}`
    );
  }
  // --data without -X POST: curl posts, then follows the 303 with a GET, as the browser does
  // (-X POST would post again to the job page and end on a 404). No Accept: text/html, so an
  // action with options runs with its defaults rather than answering with its options page,
  // which is for the browser that clicked (docs/options.md).
  return (
    `curl -s -L -o /dev/null -w 'HTTP %{http_code} after %{num_redirects} redirect(s): %{url_effective}\\n' ` +
    `-H @${files.auth} --data @${files.form} ${quote(entry.url)}`
  );
}

/**
 * `npm run demo`: Redis (reused or started), a Zou simulator with a sample studio, a receiver for
 * the sample forwarder, and the API with workers in one process, with the sample launchers; prints
 * the URLs to open and a curl for every entry Kitsu's menu would show.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let ownRedis: OwnRedis | null = null;
  if (!(await redisAnswers(redisUrl))) {
    ownRedis = await startRedisServer();
    redisUrl = ownRedis.url;
  }
  const zou = await startZouSimulator({
    port: Number(process.env.ZOU_SIM_PORT ?? 5080),
    seed: 42,
    size: 'medium',
    logBodies: false,
  });
  // A Flamenco simulator that renders by itself, so a render's page follows a farm run to its end.
  const farm: FlamencoSimulator | null = process.env.RENDER_FARM
    ? null
    : await startFlamencoSimulator({ autoRun: { everyMs: 1500, progressPerTick: 25 } });
  // Kitsu's pages (thumbnails, links) answered by a stand-in unless KITSU_URL names a real Kitsu.
  const kitsu: DemoKitsu | null = process.env.KITSU_URL
    ? null
    : await startDemoKitsu({ zouApiUrl: zou.url, token: zou.tokens.supervisor });
  const kitsuUrl = process.env.KITSU_URL ?? kitsu!.url;
  const kitsuHost = new URL(kitsuUrl).host;
  const forwardSecret = randomBytes(18).toString('base64url');
  const receiver = await startDemoReceiver({
    secret: forwardSecret,
    log: (line) => console.log(line),
  });
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'kitsu-actions-demo',
    ZOU_URL: zou.url,
    ZOU_TOKEN: zou.tokens.bot,
    KITSU_URL: kitsuUrl,
    BOARD_USER: process.env.BOARD_USER ?? 'admin',
    BOARD_PASSWORD: process.env.BOARD_PASSWORD ?? 'demo-password',
    ...(farm
      ? { RENDER_FARM: 'flamenco', FLAMENCO_URL: farm.url, RENDER_TRACK_INTERVAL_MS: '1500' }
      : {}),
    // Your own launchers or forwarders (LAUNCHERS, FORWARDERS, or their _FILE) win over the samples.
    ...(process.env.LAUNCHERS || process.env.LAUNCHERS_FILE
      ? {}
      : { LAUNCHERS_FILE: SAMPLE_LAUNCHERS }),
    ...(process.env.FORWARDERS || process.env.FORWARDERS_FILE
      ? {}
      : {
          FORWARDERS: JSON.stringify([
            {
              name: 'receiver',
              label: 'Send to the demo receiver',
              url: receiver.hookUrl,
              secret: forwardSecret,
              // One option field, so a click from Kitsu (form mode) asks for it first.
              options: [
                {
                  name: 'note',
                  kind: 'text',
                  label: 'Note for the receiver',
                  maxLength: 200,
                  default: 'Sent from the demo',
                },
              ],
            },
          ]),
        }),
  };
  const app = await createHttpApp('all', { env });
  await app.listen(port, '0.0.0.0');
  // The start-up lines first, so the summary below is the last thing on the screen.
  flushLogs();

  const { data } = zou;
  const person = data.people.supervisor;
  const projectId = data.projectIds.tvShow;
  const ids = sampleSelection(zou, projectId);
  const token = zou.tokens.supervisor;
  const originPath = `/productions/${projectId}/shots/tasks`;

  // The two bodies Kitsu sends, kept in files so each curl below stays one line.
  const dir = path.join(tmpdir(), `kitsu-actions-demo-${port}`);
  mkdirSync(dir, { recursive: true });
  const files: CurlFiles = {
    ajax: path.join(dir, 'ajax.json'),
    form: path.join(dir, 'form.txt'),
    auth: path.join(dir, 'auth.header'),
  };
  // The supervisor's Zou token stands in for the Kitsu session cookie a browser would send.
  writeFileSync(files.auth, `Authorization: Bearer ${token}\n`, { mode: 0o600 });
  writeFileSync(
    files.ajax,
    JSON.stringify({
      userid: person.id,
      useremail: person.email,
      productionid: projectId,
      originurl: originPath,
      originserver: kitsuHost,
      selection: ids,
      entitytype: 'shot',
    }),
  );
  writeFileSync(
    files.form,
    new URLSearchParams({
      personid: person.id,
      personemail: person.email,
      projectid: projectId,
      currentpath: originPath,
      currentserver: kitsuHost,
      selection: ids.join(','),
      entitytype: 'shot',
    }).toString(),
  );

  const menu = desiredCustomActions(app.get(ActionRegistry).all(), publicUrl);
  const board = `${env.BOARD_USER} / ${env.BOARD_PASSWORD}`;
  const shots = ids.map((id) => {
    const task = data.tasks.get(id)!;
    return `${data.entities.get(task.entity_id)?.name ?? '?'} ${data.taskTypes.get(task.task_type_id)?.name ?? ''}`.trim();
  });
  const worthOpening: Array<[string, string]> = [
    [`${publicUrl}/admin/queues`, `Bull Board (log in as ${board})`],
    [`${publicUrl}/docs`, 'API documentation (OpenAPI)'],
    [`${publicUrl}/actions`, 'the actions and their URLs'],
    [`${publicUrl}/health`, 'Redis answers'],
    [`${publicUrl}/health/ready`, 'Redis, Zou and the farm answer'],
    [`${publicUrl}/metrics`, 'Prometheus metrics'],
    [`${receiver.url}/deliveries`, 'what the sample forwarder received'],
    ...(kitsu
      ? [
          [kitsu.url, "Kitsu's stand-in: preview pictures, and where Kitsu's links would go"] as [
            string,
            string,
          ],
        ]
      : []),
  ];
  const width = Math.max(...worthOpening.map(([url]) => url.length));
  console.log(
    [
      '',
      'Kitsu Actions demo is running.',
      '',
      'Worth opening:',
      ...worthOpening.map(([url, what]) => `  ${url.padEnd(width)}  ${what}`),
      `  every job (the list shows the caller's jobs; the board user sees all):`,
      `  curl -s -u ${env.BOARD_USER}:${env.BOARD_PASSWORD} -H 'Accept: application/json' ${publicUrl}/jobs`,
      '',
      `Zou simulator ${zou.url} (any person's email, password "${data.password}"); ` +
        (farm ? `Flamenco simulator ${farm.url} (renders 25% every 1.5 s); ` : '') +
        `Redis ${redisUrl}${ownRedis ? ' (started for the demo)' : ''}.`,
      '',
      `As ${person.full_name} (${person.email}), supervisor on "${data.projects.get(projectId)?.name}", ` +
        `with ${shots.length} shot tasks selected (${shots.join(', ')}).`,
      `What Kitsu sends: ${files.ajax} (AJAX, is_ajax true) and ${files.form} (form, opens a tab);`,
      `${files.auth} holds their Zou token, standing in for the Kitsu session cookie.`,
      'One curl per entry of the Kitsu menu (`npm run actions:register` registers these):',
      '',
      ...menu.flatMap((entry) => [
        `# ${entry.name} (${entry.is_ajax ? 'AJAX: 202 and the job status URL' : 'form: 303 to the job page'})`,
        curlFor(entry, files),
      ]),
      '',
      'Open the statusUrl (or the job page) in a browser to watch a job. Ctrl-C stops everything.',
    ].join('\n'),
  );

  const stop = async () => {
    await app.close();
    await receiver.close();
    await kitsu?.close();
    await farm?.close();
    await zou.close();
    if (ownRedis) await ownRedis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  new Logger('Demo').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
