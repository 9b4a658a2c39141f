import { startZouSimulator, type ZouSimulator } from '../../src/simulator/zou/server';
import { registerActions } from '../../src/cli/register-actions';

const PUBLIC_URL = 'http://actions.studio.test';

describe('npm run actions:register against the Zou simulator', () => {
  let zou: ZouSimulator;
  let env: Record<string, string>;
  const run = async (flags: { dryRun?: boolean; prune?: boolean } = {}) => {
    const lines: string[] = [];
    const changes = await registerActions({
      dryRun: flags.dryRun ?? false,
      prune: flags.prune ?? false,
      env,
      print: (line) => lines.push(line),
    });
    return { changes, lines };
  };
  const listed = () => [...zou.data.customActions.values()];

  beforeAll(async () => {
    zou = await startZouSimulator({ port: 0, host: '127.0.0.1', size: 'small' });
    env = { ZOU_URL: zou.url, ZOU_TOKEN: zou.tokens.admin, PUBLIC_URL };
  });
  afterAll(() => zou.close());

  it('plans without writing on --dry-run, then creates, then is a no-op', async () => {
    const dry = await run({ dryRun: true });
    expect(dry.changes).toBeGreaterThan(0);
    expect(dry.lines.some((line) => line.startsWith('create'))).toBe(true);
    expect(listed()).toHaveLength(0);

    const created = await run();
    expect(created.changes).toBe(dry.changes);
    const inspect = listed().find((action) => action.url === `${PUBLIC_URL}/actions/inspect`);
    expect(inspect).toMatchObject({
      entity_type: expect.any(String),
      is_ajax: expect.any(Boolean),
    });

    const again = await run();
    expect(again.changes).toBe(0);
    expect(listed()).toHaveLength(created.changes);
  });

  it('updates an entry whose URL drifted, matched by name', async () => {
    const inspect = listed().find((action) => action.url.endsWith('/actions/inspect'))!;
    inspect.url = 'http://old-host/actions/inspect';
    const { changes, lines } = await run();
    expect(changes).toBe(1);
    expect(lines.some((line) => line.startsWith('update') && line.includes('url'))).toBe(true);
    expect(zou.data.customActions.get(inspect.id)!.url).toBe(`${PUBLIC_URL}/actions/inspect`);
  });

  it('prunes only our entries that no longer exist', async () => {
    const stale = { name: 'Retired action', url: `${PUBLIC_URL}/actions/retired` };
    const foreign = { name: 'Studio script', url: 'http://elsewhere/hook' };
    for (const input of [stale, foreign]) {
      const response = await fetch(`${zou.url}/data/custom-actions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${zou.tokens.admin}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(input),
      });
      expect(response.status).toBe(201);
    }
    expect((await run()).changes).toBe(0);
    expect((await run({ prune: true, dryRun: true })).changes).toBe(1);
    expect(listed().some((action) => action.name === stale.name)).toBe(true);

    const pruned = await run({ prune: true });
    expect(pruned.lines).toContain(`delete  ${stale.name} (${stale.url})`);
    const names = listed().map((action) => action.name);
    expect(names).not.toContain(stale.name);
    expect(names).toContain(foreign.name);
  });
});
