import { startDeadlineSimulator, type DeadlineSimulator } from '../../dev/simulator/farms';
import { closedPortUrl, rejectionOf, sampleSpec } from '../../test/support/farm-fixtures';
import { DeadlineAdapter, type DeadlineAdapterOptions } from './deadline.adapter';
import { FarmError } from './farm.errors';

describe('DeadlineAdapter against the Deadline simulator', () => {
  let deadline: DeadlineSimulator;
  let secured: DeadlineSimulator;

  beforeAll(async () => {
    deadline = await startDeadlineSimulator();
    secured = await startDeadlineSimulator({ auth: { user: 'render', password: 's3cret-pass' } });
  });
  afterAll(async () => {
    await deadline.close();
    await secured.close();
  });
  beforeEach(() => {
    deadline.log.length = 0;
    deadline.setUnavailable(false);
    deadline.setFaults({});
  });

  const adapter = (options: Partial<DeadlineAdapterOptions> = {}) =>
    new DeadlineAdapter({
      url: deadline.url,
      plugin: 'Blender',
      pool: 'lighting',
      group: 'gpu',
      timeoutMs: 2000,
      ...options,
    });

  it('lists pools and groups as the Web Service does and sends the chosen one', async () => {
    const farm = adapter({ pool: 'render' });
    expect((await farm.listPlacements('pool')).map((c) => c.value)).toEqual(deadline.pools);
    expect((await farm.listPlacements('group')).map((c) => c.value)).toEqual(deadline.groups);
    const { farmJobId } = await farm.submit(
      sampleSpec({ placement: { kind: 'group', value: 'gpu' } }),
    );
    // The chosen group, and the configured pool kept.
    expect(deadline.jobs.get(farmJobId)?.Props).toMatchObject({ Pool: 'render', Grp: 'gpu' });
    await expect(
      farm.submit(sampleSpec({ placement: { kind: 'pool', value: 'nowhere' } })),
    ).rejects.toThrow('Pool "nowhere" does not exist');
  });

  it('submits JobInfo, PluginInfo and an empty AuxFiles, the Kitsu ids as extra info', async () => {
    const spec = sampleSpec();
    const submission = await adapter().submit(spec);

    const [entry] = deadline.submissions();
    expect(entry.verdict).toBe('accepted');
    expect(entry.body).toEqual({
      JobInfo: {
        Plugin: 'Blender',
        Name: 'Big Buck E01 SQ010 SH020 Lighting',
        Frames: '1001-1100',
        ChunkSize: '10',
        Priority: '60',
        Pool: 'lighting',
        Group: 'gpu',
        UserName: 'ada',
        BatchName: 'Big Buck SQ010',
        Comment: 'Submitted from Kitsu for Ada Lovelace',
        OutputDirectory0: '/render/bbb/sq010/sh020/lighting',
        OutputFilename0: 'sh020.####',
        ExtraInfoKeyValue0: 'kitsu.task_type=Lighting',
        ExtraInfoKeyValue1: 'user.name=Ada Lovelace',
        ExtraInfoKeyValue2: `kitsu.task_id=${spec.kitsu.taskId}`,
        ExtraInfoKeyValue3: `kitsu.entity_id=${spec.kitsu.entityId}`,
        ExtraInfoKeyValue4: `kitsu.project_id=${spec.kitsu.projectId}`,
        ExtraInfoKeyValue5: `kitsu.person_id=${spec.kitsu.personId}`,
      },
      PluginInfo: {
        SceneFile: '/prod/bbb/shots/sq010/sh020/lighting/sh020.blend',
        OutputFile: '/render/bbb/sq010/sh020/lighting/sh020.####',
      },
      AuxFiles: [],
    });
    const stored = deadline.jobs.get(submission.farmJobId)!;
    expect(stored.Props.ExDic).toMatchObject({ 'kitsu.task_id': spec.kitsu.taskId });
    expect(submission).toMatchObject({ farmJobId: stored._id, state: 'queued' });
    expect(submission.url).toBeUndefined();
    expect(stored.QueuedChunks).toBe(10);
  });

  it('sends basic auth when configured, and a refusal without it is permanent', async () => {
    const withAuth = adapter({ url: secured.url, user: 'render', password: 's3cret-pass' });
    const { farmJobId } = await withAuth.submit(sampleSpec());
    expect(secured.jobs.has(farmJobId)).toBe(true);
    const error = (await rejectionOf(adapter({ url: secured.url }).ping())) as FarmError;
    expect(error).toMatchObject({ kind: 'unauthorized', transient: false, status: 401 });
  });

  it("turns the Web Service's 400 into a permanent error with its text", async () => {
    const error = (await rejectionOf(adapter({ plugin: '' }).submit(sampleSpec()))) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false, status: 400 });
    expect(error.farmMessage).toBe('Error: Job Info must specify a Plugin.');
  });

  it('maps Stat and chunk counts through the job life', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    expect(await farm.status(farmJobId)).toEqual({
      state: 'queued',
      progress: 0,
      message: undefined,
      farmStatus: 'Queued',
    });
    deadline.advance(farmJobId, 'active', 30);
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'active',
      progress: 30,
      farmStatus: 'Rendering',
    });
    deadline.advance(farmJobId, 'completed');
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'completed',
      progress: 100,
      farmStatus: 'Completed',
    });
    const failing = await farm.submit(sampleSpec());
    deadline.advance(failing.farmJobId, 'failed', 50);
    expect(await farm.status(failing.farmJobId)).toEqual({
      state: 'failed',
      progress: 50,
      message: '5 tasks failed, 1 errors',
      farmStatus: 'Failed',
    });
  });

  it('cancels by suspending the job, which then reads paused', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    await farm.cancel(farmJobId);
    const put = deadline.log.find((entry) => entry.method === 'PUT')!;
    expect(put.body).toEqual({ Command: 'suspend', JobID: farmJobId });
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'paused',
      farmStatus: 'Suspended',
    });
    deadline.advance(farmJobId, 'completed');
    expect(await rejectionOf(farm.cancel(farmJobId))).toMatchObject({
      kind: 'rejected',
      transient: false,
      farmMessage: 'Error: A completed job cannot be suspended.',
    });
  });

  it('says not-found for an unknown job, transient for an unreachable service', async () => {
    expect(await rejectionOf(adapter().status('0123456789abcdef01234567'))).toMatchObject({
      kind: 'not-found',
      transient: false,
    });
    expect(
      await rejectionOf(adapter({ url: await closedPortUrl() }).submit(sampleSpec())),
    ).toMatchObject({ kind: 'unreachable', transient: true });
    deadline.setFaults({ busy: 1 });
    expect(await rejectionOf(adapter().ping())).toMatchObject({ kind: 'busy', transient: true });
  });
});
