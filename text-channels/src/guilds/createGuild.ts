import { DEFAULT_EVERYONE_PERMISSIONS } from '../permissions/Permissions.js';
import {
  type ChannelRecord,
  ChannelType,
  type ChannelTypeValue,
  type GuildRecord,
  type MemberRecord,
  type RoleRecord,
} from '../storage/records.js';
import type { TextContext } from '../TextContext.js';

export interface NewGuild {
  guild: GuildRecord;
  everyone: RoleRecord;
  channels: ChannelRecord[];
  owner: MemberRecord;
}

export function newChannel(
  ctx: Pick<TextContext, 'now'>,
  id: string,
  guildId: string,
  fields: { type: ChannelTypeValue; name: string; position: number; parentId?: string | null },
): ChannelRecord {
  const voice = fields.type === ChannelType.GUILD_VOICE;
  return {
    id,
    guildId,
    type: fields.type,
    name: fields.name,
    topic: null,
    position: fields.position,
    parentId: fields.parentId ?? null,
    nsfw: false,
    rateLimitPerUser: 0,
    bitrate: voice ? 64_000 : null,
    userLimit: voice ? 0 : null,
    permissionOverwrites: [],
    recipientIds: [],
    lastMessageId: null,
    lastPinTimestamp: null,
    createdAt: ctx.now(),
  };
}

/**
 * Creates a guild as Discord does: the creator owns it, @everyone (id = guild id) has Discord's
 * default permissions, and it starts with a "Text Channels" category holding #general (the
 * system channel) and a "Voice Channels" category holding "General". The records are written
 * one by one; if any write fails the partial guild is deleted again before the error surfaces.
 */
export async function createGuild(
  ctx: Pick<TextContext, 'storage' | 'snowflakes' | 'now' | 'logger'>,
  ownerId: string,
  input: { name: string; icon: string | null; description: string | null },
): Promise<NewGuild> {
  const now = ctx.now();
  const guildId = ctx.snowflakes.next();
  const textCategory = ctx.snowflakes.next();
  const general = ctx.snowflakes.next();
  const voiceCategory = ctx.snowflakes.next();
  const voice = ctx.snowflakes.next();
  const guild: GuildRecord = {
    id: guildId,
    name: input.name,
    ownerId,
    icon: input.icon,
    description: input.description,
    systemChannelId: general,
    createdAt: now,
  };
  const everyone: RoleRecord = {
    id: guildId,
    guildId,
    name: '@everyone',
    color: 0,
    hoist: false,
    position: 0,
    permissions: DEFAULT_EVERYONE_PERMISSIONS.toString(),
    mentionable: false,
    createdAt: now,
  };
  const channels = [
    newChannel(ctx, textCategory, guildId, {
      type: ChannelType.GUILD_CATEGORY,
      name: 'Text Channels',
      position: 0,
    }),
    newChannel(ctx, general, guildId, {
      type: ChannelType.GUILD_TEXT,
      name: 'general',
      position: 0,
      parentId: textCategory,
    }),
    newChannel(ctx, voiceCategory, guildId, {
      type: ChannelType.GUILD_CATEGORY,
      name: 'Voice Channels',
      position: 1,
    }),
    newChannel(ctx, voice, guildId, {
      type: ChannelType.GUILD_VOICE,
      name: 'General',
      position: 0,
      parentId: voiceCategory,
    }),
  ];
  const owner: MemberRecord = {
    guildId,
    userId: ownerId,
    nick: null,
    roleIds: [],
    joinedAt: now,
    communicationDisabledUntil: null,
    mute: false,
    deaf: false,
  };
  await ctx.storage.guilds.create(guild);
  try {
    await ctx.storage.roles.create(everyone);
    for (const channel of channels) await ctx.storage.channels.create(channel);
    await ctx.storage.members.add(owner);
  } catch (err) {
    await ctx.storage.guilds.delete(guildId).catch((cleanupErr: unknown) => {
      ctx.logger.error({ err: cleanupErr, guildId }, 'could not remove a partially created guild');
    });
    throw err;
  }
  return { guild, everyone, channels, owner };
}
