import type { PresenceEntry } from './EventHub.js';

interface SessionPresence {
  entry: PresenceEntry;
  /** When it was set: the most recent non-offline presence wins. */
  at: number;
}

/** A user's presence on one instance, as shared with other instances. */
export interface StampedPresence extends PresenceEntry {
  at: number;
}

/** The presences of one instance's sessions, aggregated per user. */
export class PresenceBook {
  private readonly sessions = new Map<string, SessionPresence>();
  private readonly byUser = new Map<string, Set<string>>();

  /** Sets (or with null, removes) a session's presence; returns the user whose aggregate changed. */
  set(sessionId: string, presence: PresenceEntry | null, now: number): string | null {
    const previous = this.sessions.get(sessionId);
    if (previous) {
      const ids = this.byUser.get(previous.entry.userId);
      ids?.delete(sessionId);
      if (ids?.size === 0) this.byUser.delete(previous.entry.userId);
      this.sessions.delete(sessionId);
    }
    if (!presence) return previous?.entry.userId ?? null;
    this.sessions.set(sessionId, { entry: presence, at: now });
    let ids = this.byUser.get(presence.userId);
    if (!ids) {
      ids = new Set();
      this.byUser.set(presence.userId, ids);
    }
    ids.add(sessionId);
    return presence.userId;
  }

  /** The user's aggregate on this instance, or null when they have no session here. */
  forUser(userId: string): StampedPresence | null {
    const ids = this.byUser.get(userId);
    if (!ids) return null;
    let best: StampedPresence | null = null;
    for (const id of ids) {
      const session = this.sessions.get(id);
      if (session) best = pickPresence(best, { ...session.entry, at: session.at });
    }
    return best;
  }

  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  clear(): void {
    this.sessions.clear();
    this.byUser.clear();
  }
}

/** Aggregation rule: any non-offline presence beats offline; between equals, the most recent wins. */
export function pickPresence(a: StampedPresence | null, b: StampedPresence): StampedPresence {
  if (!a) return b;
  const aOn = a.status !== 'offline';
  const bOn = b.status !== 'offline';
  if (aOn !== bOn) return aOn ? a : b;
  return b.at > a.at ? b : a;
}

export function withoutStamp(p: StampedPresence): PresenceEntry {
  return { userId: p.userId, status: p.status, activities: p.activities };
}
