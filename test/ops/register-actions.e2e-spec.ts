import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import { registerActions } from '../../src/cli/register-actions';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

const LAUNCHERS = JSON.stringify([
  {
    name: 'rv',
    label: 'Play in RV',
    url: 'rvlink:// -l -play {preview_urls}',
    entityTypes: ['shot'],
  },
  { name: 'wiki', label: 'Studio wiki page', url: 'https://wiki.studio.test/{project}/{entity}' },
]);
const FORWARDERS = JSON.stringify([
  { name: 'publish', label: 'Publish', url: 'http://127.0.0.1:9/hook', secret: 'x'.repeat(16) },
  {
    name: 'editorial',
    label: 'Editorial',
    url: 'http://127.0.0.1:9/editorial',
    secret: 'x'.repeat(16),
    options: [{ name: 'note', kind: 'text', label: 'Note' }],
  },
]);

/** One deployment of the service: its public URL and what it has configured. */
function deployment(zou: ZouSimulator, publicUrl: string, extra: Record<string, string> = {}) {
  const env = { ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.admin, PUBLIC_URL: publicUrl, ...extra };
  return async (flags: { apply?: boolean; prune?: boolean } = {}) => {
    const lines: string[] = [];
    const changes = await registerActions({
      apply: flags.apply ?? false,
      prune: flags.prune ?? false,
      env,
      print: (line) => lines.push(line),
    });
    return { changes, lines };
  };
}

async function postCustomAction(zou: ZouSimulator, input: { name: string; url: string }) {
  const response = await fetch(`${zou.url}/data/custom-actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${zou.tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  expect(response.status).toBe(201);
}

describe('npm run actions:register against the Zou simulator', () => {
  let zou: ZouSimulator;
  const listed = () => [...zou.data.customActions.values()];
  const urlsOf = (base: string) =>
    listed()
      .filter((action) => action.url.startsWith(base))
      .map((action) => action.url)
      .sort();

  beforeAll(async () => {
    zou = await startZouSimulator({ port: 0, host: '127.0.0.1', size: 'small' });
  });
  afterAll(() => zou.close());
  beforeEach(() => zou.data.customActions.clear());

  it('only plans unless told --apply, then creates, then is a no-op', async () => {
    const register = deployment(zou, 'http://actions.studio.test');
    const plan = await register();
    expect(plan.changes).toBeGreaterThan(0);
    expect(plan.lines.some((line) => line.startsWith('create'))).toBe(true);
    expect(plan.lines.at(-1)).toMatch(/^plan only: \d+ change\(s\) not applied/);
    expect(listed()).toHaveLength(0);

    const created = await register({ apply: true });
    expect(created.changes).toBe(plan.changes);
    expect(listed()).toHaveLength(created.changes);
    expect((await register({ apply: true })).changes).toBe(0);
  });

  it('registers one entry per launcher, forwarder and stats scope, none for what is not configured', async () => {
    const base = 'http://bare.studio.test/actions/';
    await deployment(zou, 'http://bare.studio.test')({ apply: true });
    const bare = urlsOf(base);
    expect(bare).toContain(`${base}stats`);
    expect(bare).toContain(`${base}stats?scope=project`);
    expect(bare.filter((url) => /\/actions\/(launch|forward)/.test(url))).toEqual([]);

    const full = 'http://full.studio.test/actions/';
    await deployment(zou, 'http://full.studio.test', { LAUNCHERS, FORWARDERS })({ apply: true });
    const byUrl = new Map(listed().map((action) => [action.url, action]));
    expect(byUrl.get(`${full}launch/rv`)).toMatchObject({
      name: 'Play in RV',
      entity_type: 'shot',
      is_ajax: false,
    });
    expect(byUrl.get(`${full}launch/wiki`)).toMatchObject({
      name: 'Studio wiki page',
      entity_type: 'all',
    });
    expect(byUrl.get(`${full}forward/publish`)).toMatchObject({ name: 'Publish', is_ajax: true });
    // A forwarder that declares option fields opens its form: form mode.
    expect(byUrl.get(`${full}forward/editorial`)).toMatchObject({
      name: 'Editorial',
      is_ajax: false,
    });
    expect(byUrl.get(`${full}stats?scope=project`)).toMatchObject({
      name: 'Production statistics (whole project)',
      is_ajax: false,
    });
    expect(byUrl.has(`${full}launch`)).toBe(false);
    expect(byUrl.has(`${full}forward`)).toBe(false);
  });

  it('two deployments in one Kitsu never touch each other, even with the same names', async () => {
    const studioA = deployment(zou, 'http://actions.studio.test', { LAUNCHERS });
    // Same host, mounted under a path: its URLs start with A's host but not with A's /actions/.
    const studioB = deployment(zou, 'http://actions.studio.test/second', { FORWARDERS });
    const foreign = { name: 'Inspect selection', url: 'http://elsewhere.test/actions/inspect' };
    await postCustomAction(zou, foreign);

    const a = await studioA({ apply: true });
    const b = await studioB({ apply: true });
    expect(a.changes).toBeGreaterThan(0);
    expect(b.changes).toBeGreaterThan(0);
    const aUrls = urlsOf('http://actions.studio.test/actions/');
    const bUrls = urlsOf('http://actions.studio.test/second/actions/');
    expect(aUrls).toContain('http://actions.studio.test/actions/launch/rv');
    expect(bUrls).toContain('http://actions.studio.test/second/actions/forward/publish');
    expect(listed()).toHaveLength(a.changes + b.changes + 1);

    // Each run again, pruning: nothing of the other (or of the foreign script) is seen as stale.
    expect((await studioA({ apply: true, prune: true })).changes).toBe(0);
    expect((await studioB({ apply: true, prune: true })).changes).toBe(0);
    expect(urlsOf('http://actions.studio.test/actions/')).toEqual(aUrls);
    expect(urlsOf('http://actions.studio.test/second/actions/')).toEqual(bUrls);
    expect(listed().filter((action) => action.name === 'Inspect selection')).toHaveLength(3);
    expect(listed().find((action) => action.url === foreign.url)).toMatchObject(foreign);
  });

  it('matches our entries by URL: a renamed one is updated, a retired one is stale until --prune', async () => {
    const register = deployment(zou, 'http://actions.studio.test');
    await register({ apply: true });
    const inspect = listed().find(
      (action) => action.url === 'http://actions.studio.test/actions/inspect',
    )!;
    inspect.name = 'Renamed in Kitsu';
    // What older versions registered: bare entries that answer 404 without a launcher.
    const retired = { name: 'Launch', url: 'http://actions.studio.test/actions/launch' };
    await postCustomAction(zou, retired);

    const plan = await register();
    expect(plan.changes).toBe(1);
    expect(plan.lines).toContain(
      `stale   Launch (${retired.url}): no longer declared, --prune deletes it`,
    );
    expect(plan.lines.some((line) => line.startsWith('update  Inspect selection: name'))).toBe(
      true,
    );

    expect((await register({ apply: true })).changes).toBe(1);
    expect(zou.data.customActions.get(inspect.id)!.name).toBe('Inspect selection');
    expect(listed().some((action) => action.url === retired.url)).toBe(true);

    const pruned = await register({ apply: true, prune: true });
    expect(pruned.lines).toContain(`delete  Launch (${retired.url})`);
    expect(listed().some((action) => action.url === retired.url)).toBe(false);
  });

  describe('through npm, as people type it', () => {
    const npmEnv = () => {
      // Without the npm_config_* of whatever runs jest, so npm sees only the flags given here.
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(process.env)) {
        if (!key.toLowerCase().startsWith('npm_') && value !== undefined) env[key] = value;
      }
      return {
        ...env,
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.admin,
        PUBLIC_URL: 'http://npm.studio.test',
      };
    };
    const npm = (...args: string[]) =>
      run('npm', ['run', '--silent', 'actions:register', ...args], { cwd: ROOT, env: npmEnv() });

    it('`npm run actions:register --dry-run` (flag eaten by npm) writes nothing', async () => {
      const { stdout } = await npm('--dry-run');
      expect(stdout).toMatch(/plan only/);
      expect(listed()).toHaveLength(0);
    });

    it('`npm run actions:register --apply` (flag eaten by npm) writes nothing', async () => {
      const { stdout } = await npm('--apply');
      expect(stdout).toMatch(/plan only/);
      expect(listed()).toHaveLength(0);
    });

    it('`npm run actions:register --dry-run -- --apply` refuses', async () => {
      await expect(npm('--dry-run', '--', '--apply')).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/nothing written/),
      });
      expect(listed()).toHaveLength(0);
    });

    it('`npm run actions:register -- --apply` writes', async () => {
      const { stdout } = await npm('--', '--apply');
      expect(stdout).toMatch(/\d+ change\(s\) applied/);
      expect(listed().length).toBeGreaterThan(0);
    });
  });
});
