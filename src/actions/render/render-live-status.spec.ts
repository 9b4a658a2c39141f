import type { RenderResult, RenderedTask } from './render.action';
import { renderLiveStatus } from './render-live-status';

function task(index: number, state: RenderedTask['state'], extra: Partial<RenderedTask> = {}) {
  return {
    taskId: `t${index}`,
    name: `SH${index}`,
    farmJobId: state === 'not-submitted' ? null : `job-${index}`,
    url: null,
    frames: '1-10',
    state,
    progress: 0,
    trackingJobId: state === 'not-submitted' ? null : `render-tracking.p${index}`,
    ...extra,
  } satisfies RenderedTask;
}

function result(tasks: RenderedTask[], farm = 'flamenco'): RenderResult {
  return { summary: '', farm, tasks, errors: [] };
}

describe('renderLiveStatus', () => {
  it('says running, with what is done and what is left, until every farm job has ended', () => {
    const status = renderLiveStatus(
      result([
        task(1, 'completed', { progress: 100 }),
        task(2, 'completed', { progress: 100 }),
        task(3, 'completed', { progress: 100 }),
        task(4, 'completed', { progress: 100 }),
        task(5, 'active', { progress: 50 }),
        task(6, 'active', { progress: 10 }),
      ]),
    );
    expect(status).toMatchObject({
      phase: 'running',
      label: 'Rendering',
      message: 'Rendering on the farm: 4 of 6 done, 2 rendering',
      percent: 77,
    });
  });

  it('names failures while others still render', () => {
    const status = renderLiveStatus(
      result([task(1, 'failed'), task(2, 'queued'), task(3, 'not-submitted')]),
    );
    expect(status).toMatchObject({ phase: 'running', tone: 'warning' });
    expect(status!.message).toBe(
      'Rendering on the farm: 1 of 2 done (1 failed), 1 queued; 1 not submitted',
    );
  });

  it('ends with all rendered, some failed, failed or canceled', () => {
    const at = (iso: string) => ({ seenAt: iso });
    expect(
      renderLiveStatus(
        result([
          task(1, 'completed', at('2024-01-01T10:00:00.000Z')),
          task(2, 'completed', at('2024-01-01T11:00:00.000Z')),
        ]),
      ),
    ).toEqual({
      phase: 'ended',
      tone: 'success',
      label: 'All rendered',
      percent: 100,
      message: '2 of 2 tasks rendered',
      endedAt: '2024-01-01T11:00:00.000Z',
    });
    expect(renderLiveStatus(result([task(1, 'completed'), task(2, 'failed')]))).toMatchObject({
      label: 'Some failed',
      tone: 'warning',
      message: '1 of 2 tasks rendered, 1 failed',
    });
    expect(renderLiveStatus(result([task(1, 'failed')]))).toMatchObject({
      label: 'Failed',
      tone: 'danger',
    });
    expect(renderLiveStatus(result([task(1, 'canceled'), task(2, 'canceled')]))).toMatchObject({
      label: 'Canceled',
      message: '0 of 2 tasks rendered, 2 canceled',
    });
  });

  it('does not wait for farm jobs nobody follows any more', () => {
    const status = renderLiveStatus(
      result([task(1, 'completed'), task(2, 'active', { followed: false })]),
    );
    expect(status).toMatchObject({ phase: 'ended', label: 'Partly followed' });
    // Tracking off: submitted, and nothing more is known.
    expect(renderLiveStatus(result([task(1, 'queued', { trackingJobId: null })]))).toMatchObject({
      phase: 'ended',
      label: 'Submitted',
      tone: 'neutral',
    });
  });

  it('leaves a dry run alone', () => {
    expect(renderLiveStatus(result([task(1, 'completed')], 'dry-run'))).toBeNull();
  });
});
