import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The hub's metrics, registered once per registry (one per app instance). */
export class EventMetrics {
  private readonly published: Counter<'t'>;
  private readonly publishedByType = new Map<string, Counter.Internal>();
  readonly publishDuration: Histogram;
  readonly delivered: Counter;
  readonly degraded: Gauge;

  constructor(registry: Registry) {
    this.published = new Counter({
      name: 'events_published_total',
      help: 'Events published through the event hub, by Discord event name',
      labelNames: ['t'],
      registers: [registry],
    });
    this.publishDuration = new Histogram({
      name: 'event_publish_duration_seconds',
      help: 'Time from publish() to the event being in the log (Redis round trip) or delivered locally',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
      registers: [registry],
    });
    this.delivered = new Counter({
      name: 'events_delivered_total',
      help: 'Events handed to local listeners (one per event per listener)',
      registers: [registry],
    });
    this.degraded = new Gauge({
      name: 'event_hub_degraded',
      help: '1 while the event hub is degraded (Redis unreachable: local delivery only)',
      registers: [registry],
    });
  }

  /** Counts a publish; the labelled child is cached so the hot path allocates nothing. */
  countPublished(t: string): void {
    let child = this.publishedByType.get(t);
    if (!child) {
      child = this.published.labels(t);
      this.publishedByType.set(t, child);
    }
    child.inc();
  }
}
