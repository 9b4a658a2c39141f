import { delay } from './call-limiter';

/** What the gate needs of Redis: the two commands of a fixed-window counter. */
export interface RateGateStore {
  incr(key: string): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
}

/** Lets a Zou call start once the shared budget of this second allows it. */
export interface CallGate {
  wait(): Promise<void>;
}

/**
 * A calls-per-second budget shared by every process through one Redis counter per second, so
 * adding workers cannot flood Zou. If Redis cannot be asked, calls go ahead: Zou is slowed by
 * its own limits, and a job should not fail because the counter is unreachable.
 */
export class SharedRateGate implements CallGate {
  private warned = false;

  constructor(
    private readonly store: RateGateStore,
    private readonly keyPrefix: string,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {}

  async wait(): Promise<void> {
    for (;;) {
      const nowMs = this.now();
      const second = Math.floor(nowMs / 1000);
      const key = `${this.keyPrefix}:${second}`;
      let count: number;
      try {
        count = await this.store.incr(key);
        if (count === 1) await this.store.pexpire(key, 2000);
      } catch (error) {
        if (!this.warned) this.onStoreError(error);
        this.warned = true;
        return;
      }
      this.warned = false;
      if (count <= this.perSecond) return;
      // Over budget: try again in the next second, spread a little so waiters do not stampede.
      await delay((second + 1) * 1000 - nowMs + Math.floor(Math.random() * 20));
    }
  }
}
