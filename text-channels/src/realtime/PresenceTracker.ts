import type { Logger } from '@driftway/common';
import type { EventHub, PresenceEntry } from '../events/EventHub.js';
import { Intents } from './intents.js';
import type { PresencePayload } from './payloads.js';
import type { Session } from './Session.js';

/**
 * `client_status` by status, shared: every PRESENCE_UPDATE is kept in the event log for RESUME,
 * so a burst of logins should not leave one such object per user behind.
 */
const CLIENT_STATUS: Record<PresenceEntry['status'], Readonly<Record<string, string>>> = {
  online: Object.freeze({ desktop: 'online' }),
  idle: Object.freeze({ desktop: 'idle' }),
  dnd: Object.freeze({ desktop: 'dnd' }),
  offline: Object.freeze({}),
};

/** Discord's presence update object (GUILD_CREATE `presences`, PRESENCE_UPDATE). */
export function wirePresence(p: PresenceEntry, guildId: string | null): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    user: { id: p.userId },
    status: p.status,
    activities: p.activities,
    client_status: CLIENT_STATUS[p.status] ?? { desktop: p.status },
  };
  if (guildId !== null) wire['guild_id'] = guildId;
  return wire;
}

const NO_ACTIVITIES: unknown[] = Object.freeze([]) as unknown as unknown[];

/** What an IDENTIFY presence or an op 3 becomes: invisible is shown as offline. */
export function toPresenceEntry(userId: string, payload: PresencePayload | undefined): PresenceEntry {
  const status = payload?.status ?? 'online';
  const activities = payload?.activities ?? [];
  return {
    userId,
    status: status === 'invisible' ? 'offline' : (status as PresenceEntry['status']),
    activities:
      activities.length === 0
        ? NO_ACTIVITIES
        : activities.map((a) => ({
            name: a.name,
            type: a.type,
            ...(a.url ? { url: a.url } : {}),
            ...(a.state ? { state: a.state } : {}),
          })),
  };
}

const same = (a: PresenceEntry | undefined, b: PresenceEntry | undefined) =>
  (a?.status ?? 'offline') === (b?.status ?? 'offline') &&
  JSON.stringify(a?.activities ?? []) === JSON.stringify(b?.activities ?? []);

/**
 * Presence aggregated across instances through the hub: a user is online while any of their
 * sessions is (the hub expires a dead instance's entries). When a user's aggregate changes, one
 * PRESENCE_UPDATE per guild goes through the hub like any other event, so it is sequenced and
 * replayable, and reaches members with GUILD_PRESENCES on every instance.
 */
export class PresenceTracker {
  constructor(
    private readonly hub: EventHub,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  /** Sets (or with null, clears) the session's presence and publishes the user's change, if any. */
  async set(session: Session, presence: PresenceEntry | null, guildIds: readonly string[]): Promise<void> {
    const sessionId = session.id;
    if (!sessionId) return;
    const userId = session.userId;
    try {
      const before = (await this.hub.getPresences([userId])).get(userId);
      await this.hub.setPresence(this.instanceId, sessionId, presence);
      const after = (await this.hub.getPresences([userId])).get(userId);
      if (same(before, after)) return;
      const entry: PresenceEntry = after ?? { userId, status: 'offline', activities: [] };
      await Promise.all(
        guildIds.map((guildId) =>
          this.hub.publish({
            t: 'PRESENCE_UPDATE',
            guildId,
            intent: Intents.GUILD_PRESENCES,
            d: wirePresence(entry.status === 'offline' ? { ...entry, activities: [] } : entry, guildId),
          }),
        ),
      );
    } catch (err) {
      this.logger.warn({ err, session: sessionId }, 'presence update failed');
    }
  }
}
