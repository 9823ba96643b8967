import type { DispatchEvent } from '../events/DispatchEvent.js';
import { Intents } from '../realtime/intents.js';
import type { ChannelRecord } from '../storage/records.js';

/**
 * Builders for the DispatchEvents the community routes publish, so every route states its audience
 * the same way. Delivery (who may see what) is decided by the real-time side from these fields.
 */

/** A guild-wide event (GUILD_UPDATE, roles, members, bans, …). */
export function guildEvent(
  t: string,
  guildId: string,
  intent: number,
  d: Record<string, unknown>,
  extra: Pick<DispatchEvent, 'affectsPermissions'> = {},
): DispatchEvent {
  return { t, guildId, intent, d, ...extra };
}

/** CHANNEL_CREATE/UPDATE/DELETE: only users who can view the channel get it. */
export function channelEvent(
  t: 'CHANNEL_CREATE' | 'CHANNEL_UPDATE' | 'CHANNEL_DELETE',
  channel: ChannelRecord,
  d: Record<string, unknown>,
  affectsPermissions = false,
): DispatchEvent {
  return {
    t,
    guildId: channel.guildId,
    channelId: channel.id,
    intent: Intents.GUILDS,
    d,
    ...(affectsPermissions ? { affectsPermissions: true } : {}),
  };
}

/** An event for exactly one user about a guild they joined or left (GUILD_CREATE, GUILD_DELETE). */
export function membershipEvent(
  t: 'GUILD_CREATE' | 'GUILD_DELETE',
  guildId: string,
  userId: string,
  d: Record<string, unknown>,
): DispatchEvent {
  return {
    t,
    guildId,
    userIds: [userId],
    intent: Intents.GUILDS,
    d,
    affectsPermissions: true,
    membership: { userId, joined: t === 'GUILD_CREATE' },
  };
}
