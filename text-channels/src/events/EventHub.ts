import type { DispatchEvent, EventPublisher } from './DispatchEvent.js';

/** An event with its global sequence: every instance sees events in the same `g` order. */
export interface SequencedEvent {
  g: number;
  event: DispatchEvent;
  /**
   * Set only while the hub is degraded (Redis unreachable): the event is NOT in the shared log and
   * reached this instance's listeners only. `g` is then the last logged sequence this instance saw
   * (unchanged, so comparisons stay valid), which means: never dedupe a `local` entry by `g`, never
   * advance a checkpoint's `g` for it, and know that the session can no longer be resumed exactly
   * elsewhere (its RESUME must end in op 9).
   */
  local?: true;
}

/**
 * This instance's listeners may have missed events, or other instances' listeners missed events this
 * instance published while degraded. Every session whose audience intersects the scope must be
 * invalidated (op 9, not resumable) or otherwise re-synced: exactly-once can no longer be promised.
 */
export interface EventGap {
  /** null: every session on this instance is affected; otherwise sessions in any of these guilds… */
  guildIds: string[] | null;
  /** …or of any of these users (user-targeted events). Empty when guildIds is null. */
  userIds: string[];
  /** For logs: 'redis-outage', 'log-trimmed', 'log-lost', 'peer-degraded'. */
  reason: string;
}

/** What a session needs to be resumed on any instance after its own instance died. */
export interface SessionCheckpoint {
  sessionId: string;
  userId: string;
  /** 'user' | 'bot' and the token's session/bot-token id, to re-check revocation on RESUME. */
  kind: 'user' | 'bot';
  credentialId: string | null;
  intents: number;
  /** The session's `s` after the last dispatch counted in this checkpoint. */
  seq: number;
  /** The global sequence of the last event counted in this checkpoint. */
  g: number;
  /** Guilds the session was in at that point. */
  guildIds: string[];
  /**
   * Set by the real-time side: a fingerprint of the channels the session could view at that point.
   * RESUME recomputes it and re-identifies on a mismatch (its filter would not be reproducible).
   * Stores must keep it as given.
   */
  viewHash?: string;
  updatedAt: number;
}

export interface PresenceEntry {
  userId: string;
  status: 'online' | 'idle' | 'dnd' | 'offline';
  activities: unknown[];
}

/**
 * The event log and bus. Embedded: in-process memory. Production: Redis — one atomic append per
 * event (global counter + per-guild stream with MAXLEN + pub/sub notify), so pub/sub order is `g`
 * order on every instance, and a replay merges streams by `g` deterministically.
 */
export interface EventHub extends EventPublisher {
  /**
   * Local delivery: every event, in `g` order, as this instance receives it (synchronously, one
   * event at a time; a listener that publishes gets its event delivered after the current one).
   * A throwing listener is logged and does not affect the others. Returns unsubscribe.
   */
  subscribe(listener: (entry: SequencedEvent) => void): () => void;
  /**
   * Told when exactly-once delivery was broken (see EventGap), in order with `subscribe`'s deliveries:
   * everything delivered after the call is after the gap. The local hub never calls it. Returns unsubscribe.
   */
  onGap(listener: (gap: EventGap) => void): () => void;
  /** The last assigned global sequence (degraded: the last one this instance saw). */
  currentSequence(): Promise<number>;
  /**
   * Events with g > afterG for these guilds and this user, in `g` order, or null when part of that
   * range is no longer retained (the session must re-identify). Also null while degraded. It reads
   * the log as of the call: a resuming session should buffer live deliveries from before the call
   * and drop those with a `g` already replayed.
   */
  readSince(afterG: number, guildIds: string[], userId: string): Promise<SequencedEvent[] | null>;
  /** Degraded: resolves without saving (a degraded session cannot be resumed elsewhere anyway). */
  saveCheckpoint(checkpoint: SessionCheckpoint, ttlMs: number): Promise<void>;
  /** null when missing, expired, or Redis is unreachable. */
  loadCheckpoint(sessionId: string): Promise<SessionCheckpoint | null>;
  deleteCheckpoint(sessionId: string): Promise<void>;
  /** This instance's sessions' presences; refreshed with a TTL so a dead instance's expire. */
  setPresence(instanceId: string, sessionId: string, presence: PresenceEntry | null): Promise<void>;
  /**
   * Aggregated presence per user across instances (the most recent non-offline wins; offline when
   * every session is offline; users with no session are absent). Degraded: this instance's only.
   */
  getPresences(userIds: string[]): Promise<Map<string, PresenceEntry>>;
  /** 'up', or 'degraded' while Redis is unreachable (local delivery only). */
  health(): { status: 'up' | 'degraded'; detail?: string };
  close(): Promise<void>;
}
