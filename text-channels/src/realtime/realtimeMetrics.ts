import { Counter, Gauge, type Registry } from 'prom-client';

/** The real-time gateway's metrics (event-loop lag comes with the default Node metrics). */
export class RealtimeMetrics {
  readonly dispatches: Counter;
  private readonly closes: Counter<'code'>;
  private readonly closesByCode = new Map<number, Counter.Internal>();
  readonly resumes: Counter<'outcome'>;

  constructor(registry: Registry, sessionCount: () => number, connectionCount: () => number) {
    new Gauge({
      name: 'gateway_sessions',
      help: 'Identified real-time gateway sessions on this instance',
      registers: [registry],
      collect() {
        this.set(sessionCount());
      },
    });
    new Gauge({
      name: 'gateway_connections',
      help: 'Open WebSocket connections on this instance (identified or not)',
      registers: [registry],
      collect() {
        this.set(connectionCount());
      },
    });
    this.dispatches = new Counter({
      name: 'gateway_dispatches_total',
      help: 'Logged events dispatched (op 0) to sessions; READY, GUILD_CREATE at IDENTIFY and replays not included',
      registers: [registry],
    });
    this.closes = new Counter({
      name: 'gateway_closes_total',
      help: 'Closed gateway connections by close code (1006: dropped without a close frame)',
      labelNames: ['code'],
      registers: [registry],
    });
    this.resumes = new Counter({
      name: 'gateway_resumes_total',
      help: 'RESUME attempts by outcome (resumed, invalid_session, invalid_seq, auth_failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  countClose(code: number): void {
    let counter = this.closesByCode.get(code);
    if (!counter) {
      counter = this.closes.labels(String(code));
      this.closesByCode.set(code, counter);
    }
    counter.inc();
  }
}
