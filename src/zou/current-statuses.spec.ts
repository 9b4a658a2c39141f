import { CurrentStatuses } from './current-statuses';
import type { ZouClient } from './zou.client';
import type { ZouTask } from './zou.types';

describe('CurrentStatuses', () => {
  function fakeZou(statusOf: Map<string, string>) {
    const reads: string[][] = [];
    const zou: Pick<ZouClient, 'getTasksByIds'> = {
      getTasksByIds: (ids: string[]) => {
        reads.push(ids);
        const tasks = ids
          .filter((id) => statusOf.has(id))
          .map((id) => ({ id, task_status_id: statusOf.get(id)! }) as ZouTask);
        return Promise.resolve({ tasks, missing: ids.filter((id) => !statusOf.has(id)) });
      },
    };
    return { zou, reads };
  }

  it('reads statuses one window at a time, just before they are needed', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const statusOf = new Map(ids.map((id) => [id, 'wip']));
    const { zou, reads } = fakeZou(statusOf);
    const statuses = new CurrentStatuses(zou, ids, 3);
    expect(await statuses.of('t0')).toBe('wip');
    expect(reads).toEqual([['t0', 't1', 't2']]);
    // An artist changes t4 while t0..t2 are commented on: the next window sees it.
    statusOf.set('t4', 'retake');
    expect(await statuses.of('t1')).toBe('wip');
    expect(await statuses.of('t2')).toBe('wip');
    expect(await statuses.of('t3')).toBe('wip');
    expect(await statuses.of('t4')).toBe('retake');
    expect(reads).toHaveLength(2);
    expect(await statuses.of('t6')).toBe('wip');
    expect(reads).toHaveLength(3);
  });

  it('hands each status out once, so asking again reads it again', async () => {
    const statusOf = new Map([['a', 'wip']]);
    const { zou, reads } = fakeZou(statusOf);
    const statuses = new CurrentStatuses(zou, ['a']);
    await statuses.of('a');
    statusOf.set('a', 'done');
    expect(await statuses.of('a')).toBe('done');
    expect(reads).toHaveLength(2);
  });

  it('answers undefined for a task Zou no longer has, and reads unknown ids alone', async () => {
    const { zou, reads } = fakeZou(new Map());
    const statuses = new CurrentStatuses(zou, ['a', 'b']);
    expect(await statuses.of('a')).toBeUndefined();
    expect(await statuses.of('zz')).toBeUndefined();
    expect(reads).toEqual([['a', 'b'], ['zz']]);
  });

  it('shares one window read between callers asking at the same time', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `t${i}`);
    const { zou, reads } = fakeZou(new Map(ids.map((id) => [id, 'wip'])));
    const statuses = new CurrentStatuses(zou, ids, 4);
    const answers = await Promise.all(ids.slice(0, 4).map((id) => statuses.of(id)));
    expect(answers).toEqual(['wip', 'wip', 'wip', 'wip']);
    expect(reads).toEqual([['t0', 't1', 't2', 't3']]);
  });
});
