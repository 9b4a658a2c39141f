import { TtlCache } from './ttl-cache';

/** A loader whose calls are counted and each answered by hand. */
function handLoader() {
  const calls: Array<{ resolve(value: string): void; reject(error: Error): void }> = [];
  const load = () =>
    new Promise<string>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { load, calls };
}

/** A cache renewing in the second half of a 10 s life, holding 'v1' for 'k' (read at 0 s). */
async function holdingV1() {
  const cache = new TtlCache<string>(10_000, { renewAheadShare: 0.5 });
  const { load, calls } = handLoader();
  const first = cache.get('k', load);
  calls[0].resolve('v1');
  await first;
  return { cache, load, calls };
}

/** Lets settled promises' callbacks run. */
const settle = () =>
  new Promise<void>((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('TtlCache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-05T08:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shares one load between concurrent misses and reads again once the entry lapses', async () => {
    const cache = new TtlCache<string>(10_000);
    const { load, calls } = handLoader();
    const first = cache.get('k', load);
    const second = cache.get('k', load);
    expect(calls).toHaveLength(1);
    calls[0].resolve('v1');
    expect(await first).toBe('v1');
    expect(await second).toBe('v1');

    jest.advanceTimersByTime(9_999);
    expect(await cache.get('k', load)).toBe('v1');
    expect(calls).toHaveLength(1);

    jest.advanceTimersByTime(1);
    const lapsed = cache.get('k', load);
    expect(calls).toHaveLength(2);
    calls[1].resolve('v2');
    expect(await lapsed).toBe('v2');
  });

  it('does not remember a failed load', async () => {
    const cache = new TtlCache<string>(10_000);
    const { load, calls } = handLoader();
    const failing = cache.get('k', load);
    calls[0].reject(new Error('Zou is down'));
    await expect(failing).rejects.toThrow('Zou is down');
    void cache.get('k', load);
    expect(calls).toHaveLength(2);
  });

  it('renews an entry read late in its life in the background, so nobody waits', async () => {
    const { cache, load, calls } = await holdingV1();

    jest.advanceTimersByTime(4_999);
    expect(await cache.get('k', load)).toBe('v1');
    expect(calls).toHaveLength(1); // first half: served, nothing read

    jest.advanceTimersByTime(1_000); // 6 s: served from the entry, renewal started
    expect(await cache.get('k', load)).toBe('v1');
    expect(await cache.get('k', load)).toBe('v1');
    expect(calls).toHaveLength(2); // one renewal at a time

    jest.advanceTimersByTime(500);
    calls[1].resolve('v2');
    await settle();
    expect(await cache.get('k', load)).toBe('v2');

    // The renewed value lives from when its read began (6 s), to 16 s, and is renewed again.
    jest.advanceTimersByTime(9_400); // 15.9 s
    expect(cache.peek('k')).toBeDefined();
    jest.advanceTimersByTime(100); // 16 s
    expect(cache.peek('k')).toBeUndefined();
  });

  it('never serves a value past its time to live, however the renewal goes', async () => {
    const { cache, load, calls } = await holdingV1();

    jest.advanceTimersByTime(6_000);
    expect(await cache.get('k', load)).toBe('v1');
    calls[1].reject(new Error('Zou is down'));
    await settle();
    // A failed renewal keeps the entry to its end, and the next read in the window tries again.
    expect(await cache.get('k', load)).toBe('v1');
    expect(calls).toHaveLength(3);

    // That renewal is slow: at 10 s the entry lapses anyway, and a read waits for Zou.
    jest.advanceTimersByTime(4_000);
    const lapsed = cache.get('k', load);
    expect(calls).toHaveLength(4);
    calls[3].resolve('v3');
    expect(await lapsed).toBe('v3');
    // The slow renewal's answer, older than what the lapsed read stored, is dropped.
    calls[2].resolve('late');
    await settle();
    expect(await cache.get('k', load)).toBe('v3');
  });

  it('answers now() only with a value already read, renewing it ahead as get() does', async () => {
    const cache = new TtlCache<string>(10_000, { renewAheadShare: 0.5 });
    const { load, calls } = handLoader();
    expect(cache.now('k', load)).toBeUndefined(); // nothing cached, nothing read
    const first = cache.get('k', load);
    expect(cache.now('k', load)).toBeUndefined(); // being read: only get() waits for it
    calls[0].resolve('v1');
    await first;
    expect(cache.now('k', load)).toEqual({ value: 'v1' });

    jest.advanceTimersByTime(6_000); // second half: served at once, renewal started
    expect(cache.now('k', load)).toEqual({ value: 'v1' });
    expect(calls).toHaveLength(2);
    calls[1].resolve('v2');
    await settle();
    expect(cache.now('k', load)).toEqual({ value: 'v2' }); // renewed: known at once

    jest.advanceTimersByTime(10_000); // lapsed, and never renewed since
    expect(cache.now('k', load)).toBeUndefined();
    cache.set('k', 'v3'); // stored another way: known at once too
    expect(cache.now('k', load)).toEqual({ value: 'v3' });
  });

  it('keeps nothing when its time to live is zero', async () => {
    const cache = new TtlCache<string>(0, { renewAheadShare: 0.5 });
    const { load, calls } = handLoader();
    void cache.get('k', load);
    void cache.get('k', load);
    expect(calls).toHaveLength(2);
    expect(cache.peek('k')).toBeUndefined();
  });
});
