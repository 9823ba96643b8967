/** One fixed-window counter: `count` hits since the window opened; it closes at `resetAt` (epoch ms). */
export interface WindowCounter {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters in process memory: the store in embedded mode and the fallback when Redis
 * is unreachable. Same semantics as the Redis script: a window opens at a key's first hit and
 * lasts `windowMs`. The clock is a parameter so the math is tested without waiting.
 */
export class MemoryWindowStore {
  private readonly windows = new Map<string, WindowCounter>();
  private nextSweepAt = 0;

  constructor(
    /** Bounds memory when an attacker cycles through addresses. */
    private readonly maxKeys = 100_000,
    private readonly sweepEveryMs = 10_000,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  /**
   * Counts one hit and returns the key's live counter (read it before the next call; it is reused
   * so a hit on a known key allocates nothing).
   */
  hit(key: string, windowMs: number, now: number): WindowCounter {
    let counter = this.windows.get(key);
    if (counter === undefined) {
      this.makeRoom(now);
      counter = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, counter);
    } else if (now >= counter.resetAt) {
      counter.count = 0;
      counter.resetAt = now + windowMs;
    }
    counter.count++;
    return counter;
  }

  clear(): void {
    this.windows.clear();
  }

  /** Expired windows are dropped lazily, on inserts only: memory grows only on inserts. */
  private makeRoom(now: number): void {
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.sweepEveryMs;
      for (const [key, counter] of this.windows) if (now >= counter.resetAt) this.windows.delete(key);
    }
    // Full of live windows: forget the oldest (Map keeps insertion order) rather than sweep on every
    // insert, which would let a flood of new addresses make each request O(keys). The evicted
    // caller's count restarts: the lesser evil next to unbounded memory.
    if (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
  }
}
