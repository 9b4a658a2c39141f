import { startAfanasySimulator, type AfanasySimulator } from '../../dev/simulator/farms';
import { closedPortUrl, rejectionOf, sampleSpec } from '../../test/support/farm-fixtures';
import { AfanasyAdapter, type AfanasyAdapterOptions } from './afanasy.adapter';
import { FarmError } from './farm.errors';

describe('AfanasyAdapter against the Afanasy simulator', () => {
  let afanasy: AfanasySimulator;

  beforeAll(async () => {
    afanasy = await startAfanasySimulator();
  });
  afterAll(async () => {
    await afanasy.close();
  });
  beforeEach(() => {
    afanasy.log.length = 0;
    afanasy.setUnavailable(false);
    afanasy.setFaults({});
  });

  const adapter = (options: Partial<AfanasyAdapterOptions> = {}) =>
    new AfanasyAdapter({
      url: afanasy.url,
      service: 'blender',
      command: 'blender -b "{scene}" -o "{output}" -s @#@ -e @#@ -a',
      timeoutMs: 2000,
      hostName: 'kitsu-worker-1',
      ...options,
    });

  it('lists the render hosts and keeps a job to the chosen one with an anchored hosts mask', async () => {
    const farm = adapter();
    await expect(farm.listPlacements('host')).resolves.toEqual([
      { value: 'render01', label: 'render01' },
      { value: 'render02', label: 'render02' },
    ]);
    const { farmJobId } = await farm.submit(
      sampleSpec({ placement: { kind: 'host', value: 'render02' } }),
    );
    expect(afanasy.jobs.get(Number(farmJobId))?.hosts_mask).toBe('^render02$');
    expect(
      farm.buildJob(sampleSpec({ placement: { kind: 'host', value: 'a.b(c)' } })).hosts_mask,
    ).toBe('^a\\.b\\(c\\)$');
  });

  it('registers one numeric block with the frame range, command and Kitsu ids', async () => {
    const spec = sampleSpec({ name: 'Scène 12 éclairage' });
    const submission = await adapter().submit(spec);

    const [entry] = afanasy.submissions();
    expect(entry.verdict).toBe('accepted');
    // The header counts bytes: the accented name is longer in UTF-8 than in characters.
    expect(entry.headers.afanasy).toBe(String(Buffer.byteLength(entry.rawBody, 'utf8')));
    expect(Number(entry.headers.afanasy)).toBeGreaterThan(entry.rawBody.length);
    const { job } = entry.body as { job: Record<string, unknown> };
    expect(job).toEqual({
      name: 'Scène 12 éclairage',
      user_name: 'ada',
      host_name: 'kitsu-worker-1',
      priority: 60,
      project: 'Big Buck',
      annotation: 'Kitsu: Ada Lovelace',
      custom_data: expect.any(String),
      folders: { output: '/render/bbb/sq010/sh020/lighting' },
      blocks: [
        {
          name: 'render',
          service: 'blender',
          flags: 1,
          frame_first: 1001,
          frame_last: 1100,
          frames_per_task: 10,
          frames_inc: 1,
          command:
            'blender -b /prod/bbb/shots/sq010/sh020/lighting/sh020.blend -o /render/bbb/sq010/sh020/lighting/sh020.#### -s @#@ -e @#@ -a',
          working_directory: '/prod/bbb/shots/sq010/sh020/lighting',
          files: ['/render/bbb/sq010/sh020/lighting/sh020.@####@'],
        },
      ],
    });
    expect(JSON.parse(job.custom_data as string)).toEqual({
      'kitsu.task_type': 'Lighting',
      'user.name': 'Ada Lovelace',
      'kitsu.task_id': spec.kitsu.taskId,
      'kitsu.entity_id': spec.kitsu.entityId,
      'kitsu.project_id': spec.kitsu.projectId,
      'kitsu.person_id': spec.kitsu.personId,
    });
    const stored = afanasy.jobs.get(Number(submission.farmJobId))!;
    expect(submission).toEqual({
      farmJobId: String(stored.id),
      state: 'queued',
      raw: { id: stored.id, serial: stored.serial },
    });
    expect(stored.blocks[0].tasks_num).toBe(10);
  });

  it("uses the spec's own command and the configured frames per task when given", async () => {
    await adapter({ framesPerTask: 25 }).submit(
      sampleSpec({ commandArgs: ['render-shot', '--first', '@#@', '--last', '@#@'] }),
    );
    const { job } = afanasy.submissions()[0].body as {
      job: { blocks: Array<Record<string, unknown>> };
    };
    expect(job.blocks[0]).toMatchObject({
      command: 'render-shot --first @#@ --last @#@',
      frames_per_task: 25,
    });
  });

  it('refuses locally a command without @#@', async () => {
    const error = (await rejectionOf(
      adapter().submit(sampleSpec({ commandArgs: ['render-shot', '--all'] })),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false });
    expect(afanasy.log).toHaveLength(0);
  });

  it("turns afserver's refusal of a bad block into a permanent error with its words", async () => {
    const error = (await rejectionOf(adapter({ service: '' }).submit(sampleSpec()))) as FarmError;
    expect(error).toBeInstanceOf(FarmError);
    expect(error).toMatchObject({ kind: 'rejected', transient: false, farm: 'afanasy' });
    expect(error.farmMessage).toBe("Invalid job: Block 'render'[0]: service is empty.");
    expect(afanasy.submissions()[0]).toMatchObject({ status: 200, verdict: 'rejected' });
  });

  it('maps state tokens through the job life, progress from the blocks', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    expect(await farm.status(farmJobId)).toEqual({
      state: 'queued',
      progress: 0,
      message: undefined,
      farmStatus: 'RDY',
    });
    afanasy.advance(farmJobId, 'active', 35);
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'active',
      progress: 35,
      farmStatus: 'RDY RUN',
    });
    afanasy.advance(farmJobId, 'paused');
    expect(await farm.status(farmJobId)).toMatchObject({ state: 'paused', farmStatus: 'RDY OFF' });
    afanasy.advance(farmJobId, 'completed');
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'completed',
      progress: 100,
      farmStatus: 'DON',
    });

    const failing = await farm.submit(sampleSpec());
    afanasy.advance(failing.farmJobId, 'failed', 40, 'render crashed');
    expect(await farm.status(failing.farmJobId)).toEqual({
      state: 'failed',
      progress: 40,
      message: '6 tasks in error; render crashed',
      farmStatus: 'ERR',
    });
  });

  it('cancels by deleting the job, after which the job is not found', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    await farm.cancel(farmJobId);
    const action = afanasy.log.find((entry) => (entry.body as { action?: unknown }).action)!;
    expect(action.body).toEqual({
      action: {
        type: 'jobs',
        ids: [Number(farmJobId)],
        operation: { type: 'delete' },
        user_name: 'kitsu-actions',
        host_name: 'kitsu-worker-1',
      },
    });
    expect(afanasy.jobs.has(Number(farmJobId))).toBe(false);
    expect(await rejectionOf(farm.status(farmJobId))).toMatchObject({
      kind: 'not-found',
      transient: false,
    });
    const again = (await rejectionOf(farm.cancel(farmJobId))) as FarmError;
    expect(again).toMatchObject({ kind: 'not-found', transient: false });
    expect(again.farmMessage).toBe(`Action node ID not found: ${farmJobId}.`);
  });

  it('reports an unreachable or busy afserver as transient', async () => {
    const nobody = adapter({ url: await closedPortUrl() });
    expect(await rejectionOf(nobody.submit(sampleSpec()))).toMatchObject({
      kind: 'unreachable',
      transient: true,
    });
    afanasy.setUnavailable(true);
    expect(await rejectionOf(adapter().ping())).toMatchObject({ kind: 'unreachable' });
    afanasy.setUnavailable(false);
    afanasy.setFaults({ busy: 1, retryAfterSeconds: 3 });
    expect(await rejectionOf(adapter().ping())).toMatchObject({
      kind: 'busy',
      transient: true,
      retryAfterMs: 3000,
    });
    await adapter().ping();
  });

  it('counts calls by operation and outcome', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    await farm.status(farmJobId);
    await rejectionOf(farm.status('999999'));
    expect(farm.stats()).toMatchObject({
      farm: 'afanasy',
      total: { ok: 2, permanentError: 1, transientError: 0 },
      byOperation: { submit: { ok: 1 }, status: { ok: 1, permanentError: 1 } },
    });
  });
});
