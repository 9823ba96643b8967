import type { ChannelRecord } from '../storage/records.js';

/** Discord's gateway intent bits for the events the messaging routes publish. */
export const MessagingIntent = {
  GUILDS: 1 << 0,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
} as const;

export type EventFamily = 'messages' | 'reactions' | 'typing';

const INTENTS: Record<EventFamily, { guild: number; dm: number }> = {
  messages: { guild: MessagingIntent.GUILD_MESSAGES, dm: MessagingIntent.DIRECT_MESSAGES },
  reactions: { guild: MessagingIntent.GUILD_MESSAGE_REACTIONS, dm: MessagingIntent.DIRECT_MESSAGE_REACTIONS },
  typing: { guild: MessagingIntent.GUILD_MESSAGE_TYPING, dm: MessagingIntent.DIRECT_MESSAGE_TYPING },
};

/**
 * Who an event in this channel is for. Guild channels: the guild's audience narrowed at delivery
 * to those who can view the channel. DMs: exactly the two recipients.
 */
export function channelAudience(
  channel: ChannelRecord,
  family: EventFamily,
): { guildId: string | null; channelId: string; intent: number; userIds?: string[] } {
  if (channel.guildId !== null)
    return { guildId: channel.guildId, channelId: channel.id, intent: INTENTS[family].guild };
  return {
    guildId: null,
    channelId: channel.id,
    intent: INTENTS[family].dm,
    userIds: [...channel.recipientIds],
  };
}
