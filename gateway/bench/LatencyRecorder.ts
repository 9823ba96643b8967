/** Every response time of a run, kept exactly (a few MB for a 10 s run), for exact percentiles. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  /** Nearest-rank percentile in ms; NaN when nothing was recorded. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const sorted = this.values.subarray(0, this.count).sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank] as number;
  }
}
