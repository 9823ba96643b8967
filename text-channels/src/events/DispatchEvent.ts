/**
 * What a REST write (or the real-time side itself: typing, presence) publishes after its change is
 * durably stored. The real-time side appends it to the event log, gives it a global sequence, and
 * delivers it to every entitled session on every instance. Entitlement is decided at delivery,
 * never by the publisher: guild membership, VIEW_CHANNEL on `channelId`, intents, MESSAGE_CONTENT.
 */
export interface DispatchEvent {
  /** Discord event name, e.g. MESSAGE_CREATE. */
  t: string;
  /** The guild the event belongs to; null for DM and user-scoped events. */
  guildId: string | null;
  /** Only sessions whose user can VIEW_CHANNEL this channel get the event (guild events). */
  channelId?: string | null;
  /**
   * Only these users' sessions get the event. For DM events and user-scoped events (e.g. the
   * GUILD_CREATE a user receives on joining, GUILD_DELETE on being kicked). With guildId set too,
   * it narrows the guild's audience to these users.
   */
  userIds?: string[];
  /** The intent bit (realtime/intents.ts) without which a session does not get the event; null = always. */
  intent: number | null;
  /** The Discord-shaped payload. */
  d: Record<string, unknown>;
  /**
   * For MESSAGE_CREATE/UPDATE: sessions without MESSAGE_CONTENT get content, embeds and
   * attachments emptied unless they are the author, are mentioned, or it is a DM (Discord's rule).
   */
  messageContent?: { authorId: string; mentionUserIds: string[] };
  /**
   * Role, overwrite or membership changes: receivers recompute what their user can see BEFORE
   * filtering this and later events, so access removed is removed at once.
   */
  affectsPermissions?: boolean;
  /** Membership changes for these users in `guildId`: sessions join or leave the guild's audience. */
  membership?: { userId: string; joined: boolean };
}

/** The port REST services publish through. Resolves once the event is in the log (or, with the log degraded, delivered locally). */
export interface EventPublisher {
  publish(event: DispatchEvent): Promise<void>;
}
