import type { Logger } from '@driftway/common';
import type { Registry } from 'prom-client';
import { BoundedEventLog } from './BoundedEventLog.js';
import type { DispatchEvent } from './DispatchEvent.js';
import { EventDelivery } from './EventDelivery.js';
import type { EventGap, EventHub, PresenceEntry, SequencedEvent, SessionCheckpoint } from './EventHub.js';
import { EventMetrics } from './eventMetrics.js';
import { forEachLogTarget, mergeByG } from './logTargets.js';
import { PresenceBook, pickPresence, type StampedPresence, withoutStamp } from './PresenceBook.js';

export interface LocalEventHubOptions {
  logger: Logger;
  metrics: Registry;
  /** Events kept per guild and per user for readSince. */
  maxLen: number;
  now?: () => number;
  /** How often expired checkpoints are swept (they are also dropped when read). */
  sweepIntervalMs?: number;
}

/**
 * The embedded (BUS=local) hub: one process, so the sequence is a counter, delivery is a
 * synchronous call, and the log is a ring buffer per guild and per user. Nothing survives a restart,
 * which is fine: the sessions it could resume die with the process.
 */
export class LocalEventHub implements EventHub {
  private readonly logger: Logger;
  private readonly metrics: EventMetrics;
  private readonly delivery: EventDelivery;
  private readonly now: () => number;
  private readonly maxLen: number;
  private readonly guildLogs = new Map<string, BoundedEventLog>();
  private readonly userLogs = new Map<string, BoundedEventLog>();
  private readonly checkpoints = new Map<string, { checkpoint: SessionCheckpoint; expiresAt: number }>();
  private readonly presences = new Map<string, PresenceBook>();
  private readonly sweepTimer: NodeJS.Timeout;
  private seq = 0;
  private closed = false;

  constructor(options: LocalEventHubOptions) {
    this.logger = options.logger.child({ module: 'events' });
    this.metrics = new EventMetrics(options.metrics);
    this.delivery = new EventDelivery(this.logger, this.metrics);
    this.now = options.now ?? Date.now;
    this.maxLen = options.maxLen;
    this.sweepTimer = setInterval(() => this.sweepCheckpoints(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  async publish(event: DispatchEvent): Promise<void> {
    this.assertOpen('publish');
    const started = performance.now();
    const entry: SequencedEvent = { g: ++this.seq, event };
    forEachLogTarget(
      event,
      (guildId) => this.logFor(this.guildLogs, guildId).append(entry),
      (userId) => this.logFor(this.userLogs, userId).append(entry),
    );
    this.metrics.countPublished(event.t);
    this.delivery.deliver(entry);
    this.metrics.publishDuration.observe((performance.now() - started) / 1000);
  }

  subscribe(listener: (entry: SequencedEvent) => void): () => void {
    return this.delivery.subscribe(listener);
  }

  onGap(listener: (gap: EventGap) => void): () => void {
    return this.delivery.onGap(listener);
  }

  async currentSequence(): Promise<number> {
    return this.seq;
  }

  async readSince(afterG: number, guildIds: string[], userId: string): Promise<SequencedEvent[] | null> {
    this.assertOpen('readSince');
    const runs: SequencedEvent[][] = [];
    for (const log of [...guildIds.map((id) => this.guildLogs.get(id)), this.userLogs.get(userId)]) {
      if (!log) continue;
      const run = log.since(afterG);
      if (!run) return null;
      runs.push(run);
    }
    return mergeByG(runs);
  }

  async saveCheckpoint(checkpoint: SessionCheckpoint, ttlMs: number): Promise<void> {
    this.assertOpen('saveCheckpoint');
    // A copy, as Redis would store: the caller may keep mutating its object. Shallow (strings are
    // immutable and shared), which keeps an idle session's checkpoint small.
    this.checkpoints.set(checkpoint.sessionId, {
      checkpoint: copyCheckpoint(checkpoint),
      expiresAt: this.now() + ttlMs,
    });
  }

  async loadCheckpoint(sessionId: string): Promise<SessionCheckpoint | null> {
    this.assertOpen('loadCheckpoint');
    const stored = this.checkpoints.get(sessionId);
    if (!stored) return null;
    if (stored.expiresAt <= this.now()) {
      this.checkpoints.delete(sessionId);
      return null;
    }
    return copyCheckpoint(stored.checkpoint);
  }

  async deleteCheckpoint(sessionId: string): Promise<void> {
    this.checkpoints.delete(sessionId);
  }

  async setPresence(instanceId: string, sessionId: string, presence: PresenceEntry | null): Promise<void> {
    this.assertOpen('setPresence');
    let book = this.presences.get(instanceId);
    if (!book) {
      book = new PresenceBook();
      this.presences.set(instanceId, book);
    }
    book.set(sessionId, presence, this.now());
  }

  async getPresences(userIds: string[]): Promise<Map<string, PresenceEntry>> {
    this.assertOpen('getPresences');
    const out = new Map<string, PresenceEntry>();
    for (const userId of userIds) {
      let best: StampedPresence | null = null;
      for (const book of this.presences.values()) {
        const p = book.forUser(userId);
        if (p) best = pickPresence(best, p);
      }
      if (best) out.set(userId, withoutStamp(best));
    }
    return out;
  }

  health(): { status: 'up' | 'degraded'; detail?: string } {
    return { status: 'up', detail: 'in-process' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.delivery.clear();
    this.guildLogs.clear();
    this.userLogs.clear();
    this.checkpoints.clear();
    this.presences.clear();
  }

  private logFor(logs: Map<string, BoundedEventLog>, id: string): BoundedEventLog {
    let log = logs.get(id);
    if (!log) {
      log = new BoundedEventLog(this.maxLen);
      logs.set(id, log);
    }
    return log;
  }

  private sweepCheckpoints(): void {
    const now = this.now();
    for (const [id, stored] of this.checkpoints) if (stored.expiresAt <= now) this.checkpoints.delete(id);
  }

  private assertOpen(method: string): void {
    if (this.closed) throw new EventHubClosedError(method);
  }
}

function copyCheckpoint(checkpoint: SessionCheckpoint): SessionCheckpoint {
  return { ...checkpoint, guildIds: [...checkpoint.guildIds] };
}

/** Every method of a closed hub rejects with this, naming the method. */
export class EventHubClosedError extends Error {
  constructor(method: string) {
    super(`EventHub.${method}() called after close()`);
    this.name = 'InvalidStateError';
  }
}
