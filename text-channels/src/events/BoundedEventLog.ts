import type { SequencedEvent } from './EventHub.js';

/**
 * One guild's (or user's) retained events for the in-process hub: a ring buffer of the last
 * `maxLen`, in increasing `g`, remembering the highest `g` it dropped so a reader can tell exactly
 * whether a range is still complete.
 */
export class BoundedEventLog {
  private readonly slots: (SequencedEvent | undefined)[];
  private start = 0;
  private length = 0;
  /** The highest g evicted; 0 when nothing was. */
  trimmedUpTo = 0;

  constructor(private readonly maxLen: number) {
    this.slots = new Array(maxLen);
  }

  append(entry: SequencedEvent): void {
    if (this.length === this.maxLen) {
      const evicted = this.slots[this.start] as SequencedEvent;
      this.trimmedUpTo = evicted.g;
      this.slots[this.start] = entry;
      this.start = (this.start + 1) % this.maxLen;
      return;
    }
    this.slots[(this.start + this.length) % this.maxLen] = entry;
    this.length++;
  }

  /** Entries with g > afterG, oldest first, or null when one of them was already evicted. */
  since(afterG: number): SequencedEvent[] | null {
    if (this.trimmedUpTo > afterG) return null;
    // Binary search for the first entry with g > afterG.
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid) as SequencedEvent).g > afterG) hi = mid;
      else lo = mid + 1;
    }
    const out: SequencedEvent[] = [];
    for (let i = lo; i < this.length; i++) out.push(this.at(i) as SequencedEvent);
    return out;
  }

  private at(i: number): SequencedEvent | undefined {
    return this.slots[(this.start + i) % this.maxLen];
  }
}
