import type { Logger } from '@driftway/common';
import type { EventGap, SequencedEvent } from './EventHub.js';
import type { EventMetrics } from './eventMetrics.js';

type Item = { kind: 'event'; entry: SequencedEvent } | { kind: 'gap'; gap: EventGap };

/**
 * Hands events and gaps to local listeners one at a time, in the order they were queued. A listener
 * that publishes (or reports a gap) while being called gets its item queued behind the current one,
 * so every listener sees the same order. A listener that throws is logged, never allowed to stop
 * delivery to the others.
 */
export class EventDelivery {
  private readonly listeners = new Set<(entry: SequencedEvent) => void>();
  private readonly gapListeners = new Set<(gap: EventGap) => void>();
  private readonly queue: Item[] = [];
  private draining = false;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: EventMetrics,
  ) {}

  subscribe(listener: (entry: SequencedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  onGap(listener: (gap: EventGap) => void): () => void {
    this.gapListeners.add(listener);
    return () => {
      this.gapListeners.delete(listener);
    };
  }

  deliver(entry: SequencedEvent): void {
    if (this.draining) {
      this.queue.push({ kind: 'event', entry });
      return;
    }
    // The common case (not re-entrant) allocates no queue item.
    this.draining = true;
    try {
      this.callListeners(entry);
      this.drain();
    } finally {
      this.draining = false;
    }
  }

  gap(gap: EventGap): void {
    this.queue.push({ kind: 'gap', gap });
    if (this.draining) return;
    this.draining = true;
    try {
      this.drain();
    } finally {
      this.draining = false;
    }
  }

  clear(): void {
    this.listeners.clear();
    this.gapListeners.clear();
    this.queue.length = 0;
  }

  private drain(): void {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      if (item.kind === 'event') this.callListeners(item.entry);
      else this.callGapListeners(item.gap);
    }
  }

  private callListeners(entry: SequencedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.logger.error({ err, g: entry.g, t: entry.event.t }, 'event listener threw');
      }
    }
    this.metrics.delivered.inc(this.listeners.size);
  }

  private callGapListeners(gap: EventGap): void {
    for (const listener of this.gapListeners) {
      try {
        listener(gap);
      } catch (err) {
        this.logger.error({ err, reason: gap.reason }, 'event gap listener threw');
      }
    }
  }
}
