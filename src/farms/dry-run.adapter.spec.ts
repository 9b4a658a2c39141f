import { rejectionOf, sampleSpec } from '../../test/support/farm-fixtures';
import { DryRunAdapter } from './dry-run.adapter';

describe('DryRunAdapter', () => {
  it('records what it would submit and reports it completed', async () => {
    const farm = new DryRunAdapter();
    const spec = sampleSpec();
    const submission = await farm.submit(spec);
    expect(submission.farmJobId).toMatch(/^dry-run-[0-9a-f-]{36}$/);
    expect(submission.state).toBe('completed');
    expect(farm.submitted()).toEqual([
      {
        farmJobId: submission.farmJobId,
        spec,
        frames: '1001-1100',
        metadata: expect.objectContaining({ 'kitsu.task_id': spec.kitsu.taskId }),
        submittedAt: expect.any(String),
      },
    ]);
    expect(submission.raw).toBe(farm.submitted()[0]);
    expect(await farm.status(submission.farmJobId)).toEqual({
      state: 'completed',
      progress: 100,
      message: 'dry run: nothing was rendered',
      farmStatus: 'dry-run',
    });
    await farm.cancel();
    await farm.ping();
    expect(farm.stats().byOperation).toMatchObject({ submit: { ok: 1 }, status: { ok: 1 } });
  });

  it('refuses a spec a farm would refuse', async () => {
    const farm = new DryRunAdapter();
    expect(await rejectionOf(farm.submit(sampleSpec({ framesPerTask: 0 })))).toMatchObject({
      kind: 'rejected',
      transient: false,
    });
    expect(farm.submitted()).toHaveLength(0);
  });

  it('shows the quoted command line a command-line farm would get', async () => {
    const farm = new DryRunAdapter();
    const scene = '/prod/Forest Tales/sh 010 $(id)/sh.blend';
    await farm.submit(sampleSpec({ commandArgs: ['blender', '-b', scene, '-s', '@#@'] }));
    expect(farm.submitted()[0].commandLine).toBe(
      "blender -b '/prod/Forest Tales/sh 010 $(id)/sh.blend' -s @#@",
    );
  });

  it.each([
    [{ name: 'SH010\nPlugin=CommandLine' }, 'name contains a control character'],
    [
      { metadata: { 'kitsu.entity': 'a\rb' } },
      'metadata kitsu.entity contains a control character',
    ],
    [{ scenePath: '/prod/../../etc/x.blend' }, 'scenePath has a ".." segment'],
    [{ outputPath: '/render/"x"/x.####' }, 'outputPath contains a quote'],
    [{ commandArgs: [] }, 'commandArgs is empty'],
    [{ commandArgs: ['blender', 'x\u0000'] }, 'commandArgs[1] contains a control character'],
  ])('refuses, as every adapter does, %j', async (overrides, problem) => {
    const farm = new DryRunAdapter();
    const error = await rejectionOf(farm.submit(sampleSpec(overrides)));
    expect(error).toMatchObject({ kind: 'rejected', transient: false });
    expect((error as Error).message).toContain(problem);
    expect(farm.submitted()).toHaveLength(0);
  });
});
