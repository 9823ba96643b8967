import type { RevocationEvent, RevokedSession } from './RevocationEvent.js';

export interface RevocationListener {
  /** One revocation, from this instance or another. */
  onEvent(event: RevocationEvent): void;
  /**
   * Called after the channel (re)subscribed: events may have been missed while it was away, so
   * `sessions` is the durable list of session revocations still in force and listeners should drop
   * anything else they cached (bot token lookups).
   */
  onResync(sessions: RevokedSession[]): void;
}

/** How revocations reach every instance: Redis pub/sub (BUS=redis) or in-process (BUS=local). */
export interface RevocationChannel {
  readonly kind: 'redis' | 'local';
  /** Starts delivering to `listener`; resolves once subscribed, or after saying loudly that it is not. */
  start(listener: RevocationListener): Promise<void>;
  /** Records the event durably where there is a durable store, then broadcasts it. Rejects on failure. */
  publish(event: RevocationEvent): Promise<void>;
  /** True while events from other instances are being received. */
  isConnected(): boolean;
  /** Idempotent. */
  close(): Promise<void>;
}
