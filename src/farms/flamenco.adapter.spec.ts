import { startFlamencoSimulator, type FlamencoSimulator } from '../../dev/simulator/farms';
import { closedPortUrl, rejectionOf, sampleSpec } from '../../test/support/farm-fixtures';
import { FarmError } from './farm.errors';
import { FlamencoAdapter, type FlamencoAdapterOptions } from './flamenco.adapter';

describe('FlamencoAdapter against the Flamenco simulator', () => {
  let flamenco: FlamencoSimulator;
  const warnings: string[] = [];

  beforeAll(async () => {
    flamenco = await startFlamencoSimulator({
      workerTags: [
        { id: 'b7e1c0de-0000-4000-8000-00000000000a', name: 'lighting' },
        { id: 'b7e1c0de-0000-4000-8000-00000000000b', name: 'fx' },
      ],
    });
  });
  afterAll(async () => {
    await flamenco.close();
  });
  beforeEach(() => {
    flamenco.log.length = 0;
    warnings.length = 0;
    flamenco.setFaults({});
    flamenco.setUnavailable(false);
    flamenco.setJobTypeChurn(false);
  });

  const adapter = (options: Partial<FlamencoAdapterOptions> = {}) =>
    new FlamencoAdapter({
      url: flamenco.url,
      jobType: 'simple-blender-render',
      submitterPlatform: 'linux',
      timeoutMs: 2000,
      logger: { warn: (message) => warnings.push(message) },
      ...options,
    });

  it('lists the worker tags, sends the chosen one over the configured one, and the Manager refuses an unknown tag', async () => {
    const farm = adapter({ workerTag: 'b7e1c0de-0000-4000-8000-00000000000a' });
    await expect(farm.listPlacements('tag')).resolves.toEqual([
      { value: 'b7e1c0de-0000-4000-8000-00000000000a', label: 'lighting' },
      { value: 'b7e1c0de-0000-4000-8000-00000000000b', label: 'fx' },
    ]);
    const placement = { kind: 'tag', value: 'b7e1c0de-0000-4000-8000-00000000000b' };
    const { farmJobId } = await farm.submit(sampleSpec({ placement }));
    expect(flamenco.jobs.get(farmJobId)?.worker_tag).toBe(placement.value);
    const unknown = { kind: 'tag', value: 'b7e1c0de-0000-4000-8000-00000000000c' };
    await expect(farm.submit(sampleSpec({ placement: unknown }))).rejects.toThrow(
      'unknown worker tag',
    );
    flamenco.setUnavailable(true);
    await expect(farm.listPlacements('tag')).rejects.toMatchObject({ transient: true });
  });

  it('submits a job with the frames, settings, metadata, submitter, priority and etag', async () => {
    const farm = adapter({ workerTag: 'b7e1c0de-0000-4000-8000-00000000000a' });
    const submission = await farm.submit(sampleSpec());

    const [post] = flamenco.submissions();
    expect(post.verdict).toBe('accepted');
    expect(post.body).toEqual({
      name: 'Big Buck E01 SQ010 SH020 Lighting',
      type: 'simple-blender-render',
      type_etag: flamenco.jobTypes.get('simple-blender-render')!.etag,
      priority: 60,
      submitter_platform: 'linux',
      worker_tag: 'b7e1c0de-0000-4000-8000-00000000000a',
      settings: {
        frames: '1001-1100',
        chunk_size: 10,
        render_output_root: '/render/bbb/sq010/sh020/lighting',
        add_path_components: 0,
        render_output_path: '/render/bbb/sq010/sh020/lighting/sh020.####',
        blendfile: '/prod/bbb/shots/sq010/sh020/lighting/sh020.blend',
        fps: 24,
        format: 'OPEN_EXR',
        image_file_extension: '.exr',
        has_previews: false,
        scene: 'Scene',
      },
      metadata: {
        'kitsu.task_type': 'Lighting',
        'kitsu.task_id': sampleSpec().kitsu.taskId,
        'kitsu.entity_id': sampleSpec().kitsu.entityId,
        'kitsu.project_id': sampleSpec().kitsu.projectId,
        'kitsu.person_id': sampleSpec().kitsu.personId,
        'user.name': 'Ada Lovelace',
        'user.email': 'ada@studio.example',
      },
    });
    const stored = flamenco.jobs.get(submission.farmJobId)!;
    expect(submission).toEqual({
      farmJobId: stored.id,
      url: `${flamenco.url}/app/jobs/${stored.id}`,
      state: 'queued',
      raw: expect.objectContaining({ id: stored.id, status: 'queued' }),
    });
    expect(stored.steps_total).toBe(10);
  });

  it('fills a single frame, a directory output and extra settings of the declared types', async () => {
    const farm = adapter();
    await farm.submit(
      sampleSpec({
        frameIn: 42,
        frameOut: 42,
        outputPath: '/render/bbb/sh020/',
        extra: { format: 'PNG', chunk_size: '5', has_previews: 'true', scene: 'Lighting' },
      }),
    );
    const settings = (flamenco.submissions()[0].body as { settings: Record<string, unknown> })
      .settings;
    expect(settings).toMatchObject({
      frames: '42',
      render_output_root: '/render/bbb/sh020',
      render_output_path: '/render/bbb/sh020/######',
      format: 'PNG',
      image_file_extension: '.png',
      chunk_size: 5,
      has_previews: true,
      scene: 'Lighting',
    });
  });

  it('reads the job type once and shares that read between concurrent submissions', async () => {
    const farm = adapter();
    await Promise.all([farm.submit(sampleSpec()), farm.submit(sampleSpec())]);
    await farm.submit(sampleSpec());
    expect(flamenco.log.filter((entry) => entry.path === '/api/v3/jobs/types')).toHaveLength(1);
    expect(flamenco.submissions()).toHaveLength(3);
  });

  it('reads the job type again after a 412 and submits with the new etag', async () => {
    const farm = adapter();
    await farm.submit(sampleSpec());
    flamenco.setJobTypeEtag('simple-blender-render', 'etag-after-script-edit');
    flamenco.log.length = 0;

    const submission = await farm.submit(sampleSpec());

    expect(flamenco.log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'POST /api/v3/jobs 412',
      'GET /api/v3/jobs/types 200',
      'POST /api/v3/jobs 200',
    ]);
    expect((flamenco.log[2].body as { type_etag: string }).type_etag).toBe(
      'etag-after-script-edit',
    );
    expect(flamenco.jobs.has(submission.farmJobId)).toBe(true);
    expect(warnings).toEqual([expect.stringContaining('reading it again')]);
  });

  it('gives up with a permanent error when the etag is stale again after the re-read', async () => {
    const farm = adapter();
    const storedBefore = flamenco.jobs.size;
    flamenco.setJobTypeChurn(true);
    const error = (await rejectionOf(farm.submit(sampleSpec()))) as FarmError;
    expect(error).toBeInstanceOf(FarmError);
    expect(error).toMatchObject({ kind: 'etag-mismatch', transient: false, status: 412 });
    expect(error.message).toContain('rejecting job, job type etag does not match');
    expect(flamenco.submissions().map((entry) => entry.status)).toEqual([412, 412]);
    expect(flamenco.jobs.size).toBe(storedBefore);
  });

  it("turns the Manager's 400 into a permanent error carrying its message", async () => {
    const farm = adapter();
    const error = (await rejectionOf(
      farm.submit(sampleSpec({ extra: { chunk_size: 'ten' } })),
    )) as FarmError;
    expect(error).toMatchObject({
      kind: 'rejected',
      transient: false,
      status: 400,
      farm: 'flamenco',
    });
    expect(error.farmMessage).toBe(
      'error compiling job: setting "chunk_size" must be of type int32, not "ten"',
    );
    expect(flamenco.submissions()[0].verdict).toBe('rejected');
  });

  it('refuses a job type the Manager does not have, naming the ones it has', async () => {
    const error = (await rejectionOf(
      adapter({ jobType: 'cycles-ultra' }).submit(sampleSpec()),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false });
    expect(error.farmMessage).toContain('no job type "cycles-ultra"');
    expect(error.farmMessage).toContain('simple-blender-render');
    expect(flamenco.submissions()).toHaveLength(0);
  });

  it('refuses locally when the job type requires a setting the service cannot work out', async () => {
    const error = (await rejectionOf(
      adapter({ jobType: 'echo-sleep-test' }).submit(sampleSpec()),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false });
    expect(error.farmMessage).toContain('requires message');
    const farm = adapter({ jobType: 'echo-sleep-test' });
    await farm.submit(sampleSpec({ extra: { message: 'hello' } }));
    expect((flamenco.submissions()[0].body as { settings: unknown }).settings).toEqual({
      message: 'hello',
      sleep_duration_seconds: 1,
    });
  });

  it('reports a busy Manager (503 Retry-After) as transient with the wait it asked for', async () => {
    const farm = adapter();
    await farm.submit(sampleSpec());
    flamenco.setFaults({ busy: 1, retryAfterSeconds: 7 });
    const error = (await rejectionOf(farm.submit(sampleSpec()))) as FarmError;
    expect(error).toMatchObject({
      kind: 'busy',
      transient: true,
      status: 503,
      retryAfterMs: 7000,
      operation: 'submit',
    });
    expect(error.farmMessage).toBe('database is busy');
  });

  it('reports an unreachable Manager as transient', async () => {
    const cut = adapter();
    flamenco.setUnavailable(true);
    expect(await rejectionOf(cut.submit(sampleSpec()))).toMatchObject({
      kind: 'unreachable',
      transient: true,
    });
    const nobody = adapter({ url: await closedPortUrl() });
    const error = (await rejectionOf(nobody.ping())) as FarmError;
    expect(error).toMatchObject({ kind: 'unreachable', transient: true, operation: 'ping' });
    expect(error.farmMessage).toContain('ECONNREFUSED');
  });

  it('maps the job through its states with progress from the steps', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    expect(await farm.status(farmJobId)).toEqual({
      state: 'queued',
      progress: 0,
      message: 'Queued',
      farmStatus: 'queued',
    });
    flamenco.advance(farmJobId, 'active', 40);
    expect(await farm.status(farmJobId)).toMatchObject({
      state: 'active',
      progress: 40,
      farmStatus: 'active',
    });
    flamenco.advance(farmJobId, 'paused');
    expect(await farm.status(farmJobId)).toMatchObject({ state: 'paused', progress: 40 });
    flamenco.advance(farmJobId, 'completed');
    expect(await farm.status(farmJobId)).toMatchObject({ state: 'completed', progress: 100 });

    const failing = await farm.submit(sampleSpec());
    flamenco.advance(failing.farmJobId, 'failed', 30, 'Blender crashed on frame 1031');
    expect(await farm.status(failing.farmJobId)).toEqual({
      state: 'failed',
      progress: 30,
      message: 'Blender crashed on frame 1031',
      farmStatus: 'failed',
    });
  });

  it('says not-found for a job the Manager does not know', async () => {
    const error = (await rejectionOf(
      adapter().status('00000000-0000-4000-8000-000000000000'),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'not-found', transient: false, status: 404 });
  });

  it('cancels through setstatus: at once when queued, via cancel-requested when active', async () => {
    const farm = adapter();
    const queued = await farm.submit(sampleSpec());
    await farm.cancel(queued.farmJobId);
    const setStatus = flamenco.log.find((entry) => entry.path.endsWith('/setstatus'))!;
    expect(setStatus.body).toEqual({ status: 'cancel-requested', reason: 'Canceled from Kitsu' });
    expect(await farm.status(queued.farmJobId)).toMatchObject({
      state: 'canceled',
      farmStatus: 'canceled',
    });

    const active = await farm.submit(sampleSpec());
    flamenco.advance(active.farmJobId, 'active', 10);
    await farm.cancel(active.farmJobId);
    expect(await farm.status(active.farmJobId)).toMatchObject({
      state: 'active',
      farmStatus: 'cancel-requested',
    });
    flamenco.advance(active.farmJobId, 'canceled');
    expect((await farm.status(active.farmJobId)).state).toBe('canceled');
  });

  it('turns a refused status change (422) into a permanent error', async () => {
    const farm = adapter();
    const { farmJobId } = await farm.submit(sampleSpec());
    flamenco.advance(farmJobId, 'completed');
    const error = (await rejectionOf(farm.cancel(farmJobId))) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false, status: 422 });
    expect(error.farmMessage).toContain('not allowed');
  });

  it('refuses an impossible spec before calling the Manager', async () => {
    const error = (await rejectionOf(
      adapter().submit(sampleSpec({ frameIn: 1100, frameOut: 1001 })),
    )) as FarmError;
    expect(error).toMatchObject({ kind: 'rejected', transient: false });
    expect(error.farmMessage).toContain('frame in 1100 is after frame out 1001');
    expect(flamenco.log).toHaveLength(0);
  });

  it('counts calls by operation and outcome', async () => {
    const farm = adapter();
    await farm.ping();
    const { farmJobId } = await farm.submit(sampleSpec());
    await farm.status(farmJobId);
    flamenco.setFaults({ busy: 1 });
    await rejectionOf(farm.status(farmJobId));
    await rejectionOf(farm.status('00000000-0000-4000-8000-000000000000'));
    const stats = farm.stats();
    expect(stats.farm).toBe('flamenco');
    expect(stats.byOperation).toMatchObject({
      ping: { ok: 1, permanentError: 0, transientError: 0 },
      'job types': { ok: 1 },
      submit: { ok: 1 },
      status: { ok: 1, transientError: 1, permanentError: 1 },
    });
    expect(stats.total).toMatchObject({ ok: 4, transientError: 1, permanentError: 1 });
  });
});
