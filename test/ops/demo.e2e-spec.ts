import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/support/redis-server';
import { readSse } from '../support/sse';
import { testRedisUrl, uniquePrefix } from '../support/test-env';

const exec = promisify(execFile);
const DEMO = join(__dirname, '../../dist-dev/dev/demo/demo.js');
const READY = 'Ctrl-C stops everything.';

/** Runs one printed line exactly as a person pasting it would: through a shell. */
async function paste(line: string): Promise<string> {
  const { stdout } = await exec('sh', ['-c', line], { timeout: 30000 });
  return stdout;
}

/** Where a job's live events are, from its page URL (`/jobs/<id>?view=<token>`). */
const eventsUrl = (jobUrl: string) => {
  const url = new URL(jobUrl);
  url.pathname += '/events';
  return url.toString();
};

describe('npm run demo: every printed curl works when pasted', () => {
  let demo: ChildProcess;
  let output = '';
  let publicUrl: string;
  let exited: Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      // The demo's own samples, not whatever launchers or forwarders this shell has.
      if (value !== undefined && !/^(LAUNCHERS|FORWARDERS)/.test(key)) env[key] = value;
    }
    demo = spawn(process.execPath, [DEMO], {
      env: {
        ...env,
        PORT: String(port),
        ZOU_SIM_PORT: '0',
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: uniquePrefix('demo'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => demo.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      demo.stdout!.setEncoding('utf8');
      demo.stdout!.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes(READY)) resolve();
      });
      demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      demo.once('exit', (code) => reject(new Error(`demo exited (${code}):\n${output}`)));
    });
  });

  afterAll(async () => {
    demo.kill('SIGTERM');
    await exited;
  });

  it('prints a curl per action listed at /actions, and each job completes', async () => {
    const lines = output.split('\n');
    const curls = lines.filter((line) => line.startsWith('curl ') && line.includes('/actions/'));
    const listing = (await (await fetch(`${publicUrl}/actions`)).json()) as {
      actions: Array<{ name: string; urls: string[] }>;
    };
    const actions = Array.isArray(listing) ? listing : listing.actions;
    for (const action of actions) {
      const covered = curls.filter((curl) => curl.includes(`'${publicUrl}/actions/${action.name}`));
      expect({ action: action.name, printed: covered.length > 0 }).toEqual({
        action: action.name,
        printed: true,
      });
      for (const url of action.urls)
        expect(curls.some((curl) => curl.includes(`'${url}'`))).toBe(true);
    }
    expect(curls.some((curl) => curl.includes('/actions/stats?scope=project'))).toBe(true);

    const jobUrls: string[] = [];
    for (const curl of curls) {
      const printed = await paste(curl);
      const form = /^HTTP (\d+) after (\d+) redirect\(s\): (\S+)\n$/.exec(printed);
      if (curl.includes(' -L ')) {
        // The 303 is followed with a GET to the job page.
        expect({ curl, answer: form?.slice(1, 3) }).toEqual({ curl, answer: ['200', '1'] });
        expect(form![3]).toMatch(new RegExp(`^${publicUrl}/jobs/[\\w.-]+\\?view=`));
        jobUrls.push(form![3]);
      } else {
        const [body, status] = printed.trim().split('\nHTTP ');
        expect({ curl, status }).toEqual({ curl, status: '202' });
        jobUrls.push((JSON.parse(body) as { statusUrl: string }).statusUrl);
      }
    }

    const finals = await Promise.all(
      jobUrls.map(async (jobUrl) => {
        const { events } = await readSse(eventsUrl(jobUrl), { timeoutMs: 45000 });
        const last = events.filter((event) => event.event === 'state').at(-1)?.data as {
          state: string;
          failedReason?: string;
        };
        return { jobUrl, state: last.state, failedReason: last.failedReason ?? null };
      }),
    );
    expect(finals.filter((job) => job.state !== 'completed')).toEqual([]);

    // Results worth seeing: the playlist got the previews, the forwarder reached the receiver.
    const results = await Promise.all(
      jobUrls.map(async (jobUrl) => {
        const response = await fetch(jobUrl, { headers: { accept: 'application/json' } });
        return (await response.json()) as { action: string; result: Record<string, unknown> };
      }),
    );
    const playlist = results.find((job) => job.action === 'playlist')!.result;
    expect(playlist.summary).toMatch(/created with 3 shots/);
    // Its page shows each shot's thumbnail from KITSU_URL: the demo's Kitsu stand-in serves it.
    const kitsuUrl = /^ {2}(http:\/\/\S+) +Kitsu's stand-in/m.exec(output)![1];
    const [first] = (playlist.playlists as Array<{ entries: Array<{ previewFileId: string }> }>)[0]
      .entries;
    const picture = await fetch(
      `${kitsuUrl}/api/pictures/thumbnails/preview-files/${first.previewFileId}.png`,
    );
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toMatch(/^image\//);
    const forward = results.find((job) => job.action.startsWith('forward'))!.result;
    const delivery = (await (await fetch(String(forward.url))).json()) as {
      signature: string;
      body: { tasks: unknown[]; options: Record<string, unknown> };
    };
    expect(delivery).toMatchObject({ signature: 'valid', body: { tasks: expect.any(Array) } });
    // The sample forwarder declares a field: its form-mode curl runs with the field's default.
    expect(delivery.body.options).toEqual({ note: 'Sent from the demo' });
    expect(forward.message).toMatch(/\(note: Sent from the demo\)$/);
    expect(delivery.body.tasks).toHaveLength(3);
    // RV plays the three selected shots' previews, in selection order.
    const rv = results.find((job) => job.action === 'launch/rv')!.result;
    // RV's baked rvlink carries its command line hex-encoded.
    const baked = /^rvlink:\/\/baked\/([0-9a-f]+)$/.exec(String(rv.openUrl));
    expect(baked).not.toBeNull();
    const commandLine = Buffer.from(baked![1], 'hex').toString('utf8');
    expect(commandLine.match(/\.mp4/g)).toHaveLength(3);
  });

  it('prints the URLs worth opening, and they answer', async () => {
    const opened = [...output.matchAll(/^ {2}(http:\/\/\S+)/gm)].map((match) => match[1]);
    for (const path of [
      '/jobs',
      '/docs',
      '/health',
      '/health/ready',
      '/metrics',
      '/admin/queues',
    ]) {
      expect(output).toContain(`${publicUrl}${path}`);
    }
    const board = /log in as (\S+) \/ (\S+)\)/.exec(output)!;
    const authorization = `Basic ${Buffer.from(`${board[1]}:${board[2]}`).toString('base64')}`;
    for (const url of opened) {
      const response = await fetch(url, {
        headers: url.includes('/admin/') ? { authorization } : {},
      });
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
    }
    const listJobs = output.split('\n').find((line) => line.trim().startsWith('curl -s -u'))!;
    const jobs = JSON.parse(await paste(listJobs.trim())) as { jobs: unknown[] };
    expect(jobs.jobs.length).toBeGreaterThan(0);
  });
});
