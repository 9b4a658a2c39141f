/** An entry: the promise of its value, when it lapses, and when a read starts renewing it. */
interface Entry<V> {
  value: Promise<V>;
  /** The value once its promise has resolved, for synchronous reads (now). */
  settled?: { value: V };
  expiresAt: number;
  renewFrom: number;
  renewing: boolean;
}

export interface TtlCacheOptions {
  /** At most this many entries; past it the lapsed ones go, then the oldest. */
  maxEntries?: number;
  /**
   * Renew ahead: a read in the last `renewAheadShare` of an entry's life is answered from the
   * entry while its value is read again in the background, so an entry in use is renewed before
   * it lapses and nobody waits for Zou. A value is never served past its time to live: a failed
   * renewal leaves the entry to lapse as usual. 0 (the default) renews nothing ahead.
   */
  renewAheadShare?: number;
}

/**
 * Remembers the promise of a value for a while, so concurrent misses share one Zou call and a
 * failed call is not remembered.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;
  private readonly renewAfterMs: number;

  constructor(
    private readonly ttlMs: number,
    { maxEntries = 1000, renewAheadShare = 0 }: TtlCacheOptions = {},
  ) {
    this.maxEntries = maxEntries;
    this.renewAfterMs = renewAheadShare > 0 ? ttlMs * (1 - renewAheadShare) : Infinity;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      this.renewIfDue(key, hit, now, load);
      return hit.value;
    }
    if (this.entries.size >= this.maxEntries) this.evictExpired(now);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return this.store(key, load(), now).value;
  }

  /**
   * The value when it is cached, already known and not lapsed, without waiting for a promise;
   * undefined otherwise. Renews ahead as get() does, so a caller that reads only this way still
   * keeps its entries fresh.
   */
  now(key: string, load: () => Promise<V>): { value: V } | undefined {
    const hit = this.entries.get(key);
    if (!hit?.settled) return undefined;
    const now = Date.now();
    if (hit.expiresAt <= now) return undefined;
    this.renewIfDue(key, hit, now, load);
    return hit.settled;
  }

  /** Stores a value read another way (e.g. by a bulk read). */
  set(key: string, value: V): void {
    this.storeKnown(key, value, Date.now());
  }

  /** The value when it is cached and already known, without calling anything. */
  peek(key: string): Promise<V> | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expiresAt > Date.now() ? hit.value : undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private store(key: string, value: Promise<V>, now: number): Entry<V> {
    const entry: Entry<V> = {
      value,
      expiresAt: now + this.ttlMs,
      renewFrom: now + this.renewAfterMs,
      renewing: false,
    };
    this.entries.set(key, entry);
    value.then(
      (known) => {
        entry.settled ??= { value: known }; // storeKnown set it already
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry;
  }

  /** Stores a value already known: readable by now() at once, not a microtask later. */
  private storeKnown(key: string, value: V, now: number): void {
    if (this.ttlMs <= 0) return;
    this.store(key, Promise.resolve(value), now).settled = { value };
  }

  /**
   * In the entry's renewal window, reads the value again (one read at a time); it replaces the
   * entry only once known, and only if still current.
   */
  private renewIfDue(key: string, entry: Entry<V>, now: number, load: () => Promise<V>): void {
    if (now < entry.renewFrom || entry.renewing) return;
    entry.renewing = true;
    load().then(
      (value) => {
        // The renewed value lives from when its read began.
        if (this.entries.get(key) === entry) this.storeKnown(key, value, now);
      },
      () => {
        entry.renewing = false; // the next read in the window tries again
      },
    );
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
