import type { VoiceFlags } from './VoiceFlags.js';

interface Entry {
  flags: VoiceFlags;
  sessionId: string;
  expiresAt: number;
}

/**
 * Voice states text-channels sent for users who have not opened their voice connection yet. text
 * tells us the state (server mute, suppress…) when it issues the token, and the client connects
 * moments later: the state must be waiting so a suppressed user is never heard, not even briefly.
 * Bounded in size and time so a flood of states for users who never connect cannot grow memory.
 */
export class PendingStates {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  put(channelId: string, userId: string, sessionId: string, flags: VoiceFlags): void {
    const key = `${channelId}:${userId}`;
    this.entries.delete(key);
    this.entries.set(key, { flags, sessionId, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** The waiting state for this user in this channel, consumed. */
  take(channelId: string, userId: string): { flags: VoiceFlags; sessionId: string } | null {
    const key = `${channelId}:${userId}`;
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (entry.expiresAt < this.now()) return null;
    return { flags: entry.flags, sessionId: entry.sessionId };
  }

  delete(channelId: string, userId: string): void {
    this.entries.delete(`${channelId}:${userId}`);
  }

  get size(): number {
    return this.entries.size;
  }
}
