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

/**
 * The presences of one instance's sessions, aggregated per user. A user's sessions are held as a
 * lone session id, and as a Set only from the second one (most users have one session: a Set
 * per user would cost more than the presence itself).
 */
export class PresenceBook {
  private readonly sessions = new Map<string, SessionPresence>();
  private readonly byUser = new Map<string, string | Set<string>>();

  /** Sets (or with null, removes) a session's presence; returns the user whose aggregate changed. */
  set(sessionId: string, presence: PresenceEntry | null, now: number): string | null {
    const previous = this.sessions.get(sessionId);
    if (previous) {
      this.unindex(previous.entry.userId, sessionId);
      this.sessions.delete(sessionId);
    }
    if (!presence) return previous?.entry.userId ?? null;
    this.sessions.set(sessionId, { entry: presence, at: now });
    const ids = this.byUser.get(presence.userId);
    if (ids === undefined) this.byUser.set(presence.userId, sessionId);
    else if (typeof ids === 'string') {
      if (ids !== sessionId) this.byUser.set(presence.userId, new Set([ids, sessionId]));
    } else ids.add(sessionId);
    return presence.userId;
  }

  /** The user's aggregate on this instance, or null when they have no session here. */
  forUser(userId: string): StampedPresence | null {
    const ids = this.byUser.get(userId);
    if (ids === undefined) return null;
    if (typeof ids === 'string') return this.stamped(ids);
    let best: StampedPresence | null = null;
    for (const id of ids) {
      const p = this.stamped(id);
      if (p) best = pickPresence(best, p);
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

  private stamped(sessionId: string): StampedPresence | null {
    const session = this.sessions.get(sessionId);
    return session ? { ...session.entry, at: session.at } : null;
  }

  private unindex(userId: string, sessionId: string): void {
    const ids = this.byUser.get(userId);
    if (ids === sessionId) this.byUser.delete(userId);
    else if (ids instanceof Set) {
      ids.delete(sessionId);
      if (ids.size === 1) this.byUser.set(userId, ids.values().next().value as string);
      else if (ids.size === 0) this.byUser.delete(userId);
    }
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
