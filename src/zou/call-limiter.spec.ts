import { CallLimiter, forEachBounded, mapBounded } from './call-limiter';

/** A task that stays open until the test releases it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets pending promise callbacks run until `condition` holds (bounded). */
async function settleUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe('CallLimiter', () => {
  it('never runs more than its concurrency at once, and serves waiters in order', async () => {
    const limiter = new CallLimiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await settleUntil(() => started.length === 2);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(2);
    expect(started).toEqual([0, 1]);
    gates[1].open();
    await runs[1];
    await settleUntil(() => started.length === 3);
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((g) => g.open());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limiter.inFlight).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new CallLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(limiter.inFlight).toBe(0);
  });

  it('spaces starts to the rate limit', async () => {
    const limiter = new CallLimiter(10, 100); // one start every 10 ms
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(Date.now()))),
    );
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(45);
  });
});

describe('mapBounded', () => {
  it('keeps input order and bounds parallelism', async () => {
    let active = 0;
    let peak = 0;
    const result = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('forEachBounded', () => {
  it('starts no item after a failure and throws once the running ones have settled', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const run = forEachBounded([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      if (item === 0) await slow;
      if (item === 1) throw new Error('farm refused');
      settled.push(item);
    });
    let outcome: 'pending' | Error = 'pending';
    run.catch((error: Error) => (outcome = error));
    // Item 1 failed at once; item 0 is still running, so nothing is thrown yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBe('pending');
    releaseSlow();
    await expect(run).rejects.toThrow('farm refused');
    expect(started).toEqual([0, 1]);
    expect(settled).toEqual([0]);
  });

  it('keeps at most `parallel` items running and runs them all', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded([1, 2, 3, 4, 5, 6], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
