/**
 * Bounds the calls a client makes: at most `concurrency` in flight, and (optionally) at most
 * `perSecond` started per second. Waiters are served first come, first served.
 */
export class CallLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private nextStartAt = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly concurrency: number,
    perSecond = 0,
  ) {
    this.intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Runs `task` once a slot is free (and the rate allows), releasing the slot after it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.pace();
      return await task();
    } finally {
      this.release();
    }
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active--;
  }

  /** Spaces call starts evenly: a steady rate rather than bursts of `perSecond` calls. */
  private async pace(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = Date.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.intervalMs;
    if (startAt > now) await delay(startAt - now);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `worker` over `items` with at most `parallel` at once; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  parallel: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index], index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * Runs `worker` over the items, at most `parallel` at a time, for work with side effects: after
 * a failure no new item starts, and the first error is thrown only once every running item has
 * settled, so a retry of the whole never overlaps a leftover of the attempt before it.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  parallel: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lanes = Array.from({ length: Math.min(Math.max(1, parallel), items.length) }, async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await worker(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw (failure as { error: unknown }).error;
}
