/**
 * The fields each store's `update` may change, shared by the SQLite and MongoDB adapters so the
 * two can never disagree about what a patch touches.
 */

export const CHANNEL_UPDATABLE = [
  'name',
  'topic',
  'position',
  'parentId',
  'nsfw',
  'rateLimitPerUser',
  'bitrate',
  'userLimit',
  'permissionOverwrites',
  'lastMessageId',
  'lastPinTimestamp',
] as const;

export const GUILD_UPDATABLE = ['name', 'ownerId', 'icon', 'description', 'systemChannelId'] as const;

export const MEMBER_UPDATABLE = ['nick', 'roleIds', 'communicationDisabledUntil', 'mute', 'deaf'] as const;

export const MESSAGE_UPDATABLE = [
  'content',
  'embeds',
  'attachments',
  'pinned',
  'pinnedAt',
  'editedAt',
  'mentionUserIds',
  'mentionRoleIds',
  'mentionEveryone',
] as const;

export const ROLE_UPDATABLE = ['name', 'color', 'hoist', 'position', 'permissions', 'mentionable'] as const;
