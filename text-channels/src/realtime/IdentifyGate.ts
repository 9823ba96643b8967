/**
 * Bounds how many IDENTIFY/RESUME are worked on at once. They are CPU-bound (token check,
 * snapshot reads, serialising READY), so more in parallel only raises the memory peak of a
 * reconnect storm (every half-built READY alive at once) without finishing any sooner. Waiters
 * are served in arrival order.
 */
export class IdentifyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
