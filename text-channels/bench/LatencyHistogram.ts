/**
 * Latencies in microseconds, in buckets exact below 1 ms and 1 % wide above it (to 100 s). Fixed
 * size, so every client process keeps one and the orchestrator merges them by adding counts.
 */
const LINEAR_US = 1000;
const GROWTH = Math.log(1.01);
const BUCKETS = LINEAR_US + Math.ceil(Math.log(100_000_000 / LINEAR_US) / GROWTH) + 1;

export class LatencyHistogram {
  readonly counts: number[];
  total = 0;

  constructor(counts?: number[]) {
    this.counts = counts ? [...counts] : new Array<number>(BUCKETS).fill(0);
    if (counts) this.total = counts.reduce((a, b) => a + b, 0);
  }

  record(us: number): void {
    const index =
      us < LINEAR_US
        ? Math.max(0, Math.floor(us))
        : LINEAR_US + Math.floor(Math.log(us / LINEAR_US) / GROWTH);
    const at = Math.min(index, BUCKETS - 1);
    this.counts[at] = (this.counts[at] as number) + 1;
    this.total++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++)
      this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.total += other.total;
  }

  /** The latency (ms) below which `p` (0-1) of the samples fall; null without samples. */
  percentileMs(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.ceil(p * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) {
        const us = i < LINEAR_US ? i + 1 : LINEAR_US * Math.exp((i - LINEAR_US + 1) * GROWTH);
        return Math.round(us) / 1000;
      }
    }
    return null;
  }
}
