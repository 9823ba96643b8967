/**
 * Storage documents of the text domain. Wire objects (Discord v10 JSON) are built from these in
 * wire/ and never stored as-is. Ids are Snowflake strings; times are epoch milliseconds;
 * permission bitfields are decimal strings (they exceed 2^53).
 */

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  icon: string | null;
  description: string | null;
  systemChannelId: string | null;
  createdAt: number;
}

/** The @everyone role has the guild's id, as on Discord. */
export interface RoleRecord {
  id: string;
  guildId: string;
  name: string;
  color: number;
  hoist: boolean;
  /** 0 is @everyone; higher is more powerful. */
  position: number;
  permissions: string;
  mentionable: boolean;
  createdAt: number;
}

/** 0 = role, 1 = member, as Discord. */
export interface PermissionOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

/** Discord channel types we support. */
export const ChannelType = { GUILD_TEXT: 0, DM: 1, GUILD_VOICE: 2, GUILD_CATEGORY: 4 } as const;
export type ChannelTypeValue = (typeof ChannelType)[keyof typeof ChannelType];

export interface ChannelRecord {
  id: string;
  /** Null for DMs. */
  guildId: string | null;
  type: ChannelTypeValue;
  /** Null for DMs. */
  name: string | null;
  topic: string | null;
  position: number;
  parentId: string | null;
  nsfw: boolean;
  /** Slowmode seconds (0-21600). */
  rateLimitPerUser: number;
  /** Voice only. */
  bitrate: number | null;
  userLimit: number | null;
  permissionOverwrites: PermissionOverwrite[];
  /** DMs: the two participants, sorted. Empty for guild channels. */
  recipientIds: string[];
  lastMessageId: string | null;
  lastPinTimestamp: number | null;
  createdAt: number;
}

export interface MemberRecord {
  guildId: string;
  userId: string;
  nick: string | null;
  /** Role ids, never including @everyone (implied). */
  roleIds: string[];
  joinedAt: number;
  /** Timeout end; null or past = not timed out. */
  communicationDisabledUntil: number | null;
  /** Server mute / deafen (MUTE_MEMBERS, DEAFEN_MEMBERS): kept on the member, as Discord, so they outlive voice sessions. */
  mute: boolean;
  deaf: boolean;
}

export interface BanRecord {
  guildId: string;
  userId: string;
  reason: string | null;
  createdAt: number;
}

export interface InviteRecord {
  code: string;
  guildId: string;
  channelId: string;
  inviterId: string;
  /** Seconds; 0 = never expires. */
  maxAge: number;
  /** 0 = unlimited. */
  maxUses: number;
  uses: number;
  temporary: boolean;
  createdAt: number;
  /** createdAt + maxAge*1000, or null. */
  expiresAt: number | null;
}

export interface AttachmentRecord {
  id: string;
  filename: string;
  size: number;
  url: string;
  contentType: string | null;
  width: number | null;
  height: number | null;
}

export interface MessageReference {
  messageId: string;
  channelId: string;
  guildId: string | null;
}

/** 0 = DEFAULT, 19 = REPLY, 7 = GUILD_MEMBER_JOIN (system), as Discord. */
export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  type: number;
  content: string;
  /** Client nonce (string form), unique per (channel, author) when set: retries are idempotent. */
  nonce: string | null;
  mentionEveryone: boolean;
  mentionUserIds: string[];
  mentionRoleIds: string[];
  attachments: AttachmentRecord[];
  /** Passed through for bots; opaque JSON. */
  embeds: unknown[];
  reference: MessageReference | null;
  pinned: boolean;
  pinnedAt: number | null;
  editedAt: number | null;
  createdAt: number;
}

/** A previous version of an edited message. */
export interface MessageEditRecord {
  messageId: string;
  /** Content before this edit. */
  content: string;
  /** When this content was replaced. */
  editedAt: number;
}

export interface ReactionRecord {
  messageId: string;
  channelId: string;
  /** A unicode emoji (custom emoji are out of scope). */
  emoji: string;
  userId: string;
  createdAt: number;
}

export interface ReactionCount {
  emoji: string;
  count: number;
  /** Whether the viewer reacted with it. */
  me: boolean;
}

export interface ReadStateRecord {
  userId: string;
  channelId: string;
  lastMessageId: string | null;
  mentionCount: number;
}
