import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerCommand, WorkerReport } from './clientWorker.js';
import { LatencyHistogram } from './LatencyHistogram.js';

const WORKER = fileURLToPath(new URL('./clientWorker.ts', import.meta.url));

export interface FleetStats {
  received: number;
  histogram: LatencyHistogram;
  open: number;
  closes: Record<string, number>;
}

/**
 * The receiving side: sessions spread over several worker processes (one process cannot read
 * 10,000 sockets fast enough to keep up with uWS). Tracks, per bench message, how many workers
 * have it on all of their sessions, so callers can keep a fixed number of messages in flight.
 */
export class ClientFleet {
  private readonly workers: ChildProcess[] = [];
  private readonly doneCounts = new Map<number, number>();
  private readonly waiters = new Map<number, () => void>();
  private readonly completed = new Set<number>();
  private pending: ((report: WorkerReport) => void)[][] = [];
  delivered = 0;

  private constructor() {}

  static async start(count: number): Promise<ClientFleet> {
    const fleet = new ClientFleet();
    for (let i = 0; i < count; i++) {
      const worker = fork(WORKER, [], {
        execArgv: ['--import=tsx', '--max-old-space-size=2048'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      fleet.workers.push(worker);
      fleet.pending.push([]);
      worker.on('message', (report: WorkerReport) => fleet.onReport(i, report));
    }
    return fleet;
  }

  /** Opens `total` sessions split evenly; with tokens, each IDENTIFYs and waits for READY. */
  async connect(options: {
    port: number;
    path: string;
    total: number;
    tokens: string[] | null;
    intents: number;
  }): Promise<{ open: number; failed: number; firstError: string | null }> {
    const per = Math.ceil(options.total / this.workers.length);
    const answers = await Promise.all(
      this.workers.map((_, i) => {
        const count = Math.max(0, Math.min(per, options.total - i * per));
        return this.ask(i, 'connected', {
          type: 'connect',
          host: '127.0.0.1',
          port: options.port,
          path: options.path,
          count,
          tokens: options.tokens ? options.tokens.slice(i * per, i * per + count) : null,
          intents: options.intents,
        });
      }),
    );
    let open = 0;
    let failed = 0;
    let firstError: string | null = null;
    for (const a of answers) {
      if (a.type !== 'connected') continue;
      open += a.open;
      failed += a.failed;
      firstError ??= a.firstError;
    }
    return { open, failed, firstError };
  }

  reset(): void {
    this.doneCounts.clear();
    this.completed.clear();
    for (const worker of this.workers) worker.send({ type: 'reset' } satisfies WorkerCommand);
  }

  async stats(): Promise<FleetStats> {
    const answers = await Promise.all(this.workers.map((_, i) => this.ask(i, 'stats', { type: 'stats' })));
    const histogram = new LatencyHistogram();
    let received = 0;
    let open = 0;
    const closes: Record<string, number> = {};
    for (const a of answers) {
      if (a.type !== 'stats') continue;
      histogram.merge(new LatencyHistogram(a.histogram));
      received += a.received;
      open += a.open;
      for (const [code, n] of Object.entries(a.closes)) closes[code] = (closes[code] ?? 0) + n;
    }
    return { received, histogram, open, closes };
  }

  /** Resolves once every session has received bench message `seq`. */
  whenDelivered(seq: number): Promise<void> {
    if (this.completed.has(seq)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(seq, resolve));
  }

  async closeSessions(): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.ask(i, 'closed', { type: 'close' })));
  }

  stop(): void {
    for (const worker of this.workers) worker.kill('SIGKILL');
  }

  private ask(index: number, expect: WorkerReport['type'], command: WorkerCommand): Promise<WorkerReport> {
    return new Promise((resolve) => {
      (this.pending[index] as ((r: WorkerReport) => void)[]).push((report) => {
        if (report.type === expect) resolve(report);
      });
      (this.workers[index] as ChildProcess).send(command);
    });
  }

  private onReport(index: number, report: WorkerReport): void {
    if (report.type === 'done') {
      for (const seq of report.seqs) {
        const n = (this.doneCounts.get(seq) ?? 0) + 1;
        if (n >= this.workers.length) {
          this.doneCounts.delete(seq);
          this.completed.add(seq);
          this.delivered++;
          const waiter = this.waiters.get(seq);
          this.waiters.delete(seq);
          waiter?.();
        } else this.doneCounts.set(seq, n);
      }
      return;
    }
    const queue = this.pending[index] as ((r: WorkerReport) => void)[];
    const next = queue.shift();
    next?.(report);
  }
}
