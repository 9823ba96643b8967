import type { ObjectId } from 'mongodb';
import type {
  AttachmentRecord,
  BanRecord,
  ChannelRecord,
  GuildRecord,
  InviteRecord,
  MemberRecord,
  MessageRecord,
  MessageReference,
  PermissionOverwrite,
  ReadStateRecord,
  RoleRecord,
} from '../records.js';
import { writeKey } from '../snowflakeKey.js';

/**
 * What the text domain's MongoDB collections hold, and the mapping both ways.
 *
 * Snowflake order: MongoDB compares strings byte by byte ("100" < "99"), so wherever the ports
 * order or compare ids the document carries the id as an int64 (a JS bigint, the client runs with
 * useBigInt64): a message's `_id` itself, `userKey` of members, bans and reactions, and the
 * `lastMessageId` of channels and read states. The same keys SQLite stores as INTEGER, converted
 * by the same helpers (snowflakeKey.ts). Other ids stay decimal strings, in canonical form
 * (no leading zeros) so that they match the integer form SQLite returns.
 */

export const COLLECTIONS = {
  guilds: 'guilds',
  roles: 'roles',
  channels: 'channels',
  members: 'members',
  bans: 'bans',
  invites: 'invites',
  messages: 'messages',
  messageEdits: 'message_edits',
  reactions: 'reactions',
  readStates: 'read_states',
} as const;

/** The canonical decimal form of an id being written. */
export function canonical(id: string, field: string): string {
  return writeKey(id, field).toString();
}

export function canonicalOrNull(id: string | null, field: string): string | null {
  return id === null ? null : canonical(id, field);
}

export interface GuildDoc {
  _id: string;
  name: string;
  ownerId: string;
  icon: string | null;
  description: string | null;
  systemChannelId: string | null;
  createdAt: number;
}

export function guildToDoc(g: GuildRecord): GuildDoc {
  return {
    _id: canonical(g.id, 'guild.id'),
    name: g.name,
    ownerId: canonical(g.ownerId, 'guild.ownerId'),
    icon: g.icon,
    description: g.description,
    systemChannelId: canonicalOrNull(g.systemChannelId, 'guild.systemChannelId'),
    createdAt: g.createdAt,
  };
}

export function guildFromDoc(d: GuildDoc): GuildRecord {
  return {
    id: d._id,
    name: d.name,
    ownerId: d.ownerId,
    icon: d.icon,
    description: d.description,
    systemChannelId: d.systemChannelId,
    createdAt: d.createdAt,
  };
}

export interface RoleDoc {
  _id: string;
  guildId: string;
  name: string;
  color: number;
  hoist: boolean;
  position: number;
  permissions: string;
  mentionable: boolean;
  createdAt: number;
}

export function roleToDoc(r: RoleRecord): RoleDoc {
  return {
    _id: canonical(r.id, 'role.id'),
    guildId: canonical(r.guildId, 'role.guildId'),
    name: r.name,
    color: r.color,
    hoist: r.hoist,
    position: r.position,
    permissions: r.permissions,
    mentionable: r.mentionable,
    createdAt: r.createdAt,
  };
}

export function roleFromDoc(d: RoleDoc): RoleRecord {
  return {
    id: d._id,
    guildId: d.guildId,
    name: d.name,
    color: d.color,
    hoist: d.hoist,
    position: d.position,
    permissions: d.permissions,
    mentionable: d.mentionable,
    createdAt: d.createdAt,
  };
}

export interface ChannelDoc {
  _id: string;
  guildId: string | null;
  type: ChannelRecord['type'];
  name: string | null;
  topic: string | null;
  position: number;
  parentId: string | null;
  nsfw: boolean;
  rateLimitPerUser: number;
  bitrate: number | null;
  userLimit: number | null;
  permissionOverwrites: PermissionOverwrite[];
  recipientIds: string[];
  /** DMs only (absent otherwise): see dmKey.ts; unique. */
  dmKey?: string;
  lastMessageId: bigint | null;
  lastPinTimestamp: number | null;
  createdAt: number;
}

export function channelFromDoc(d: ChannelDoc): ChannelRecord {
  return {
    id: d._id,
    guildId: d.guildId,
    type: d.type,
    name: d.name,
    topic: d.topic,
    position: d.position,
    parentId: d.parentId,
    nsfw: d.nsfw,
    rateLimitPerUser: d.rateLimitPerUser,
    bitrate: d.bitrate,
    userLimit: d.userLimit,
    permissionOverwrites: d.permissionOverwrites.map((o) => ({ ...o })),
    recipientIds: [...d.recipientIds],
    lastMessageId: d.lastMessageId === null ? null : d.lastMessageId.toString(),
    lastPinTimestamp: d.lastPinTimestamp,
    createdAt: d.createdAt,
  };
}

export interface MemberDoc {
  /** "<guildId>:<userId>": one membership per pair, enforced by _id. */
  _id: string;
  guildId: string;
  userId: string;
  userKey: bigint;
  nick: string | null;
  roleIds: string[];
  joinedAt: number;
  communicationDisabledUntil: number | null;
  /** Absent on documents written before server mute/deafen moved onto the member: read as false. */
  mute?: boolean;
  deaf?: boolean;
}

export function pairId(a: bigint | string, b: bigint | string): string {
  return `${a}:${b}`;
}

export function memberToDoc(m: MemberRecord): MemberDoc {
  const guild = writeKey(m.guildId, 'member.guildId');
  const user = writeKey(m.userId, 'member.userId');
  return {
    _id: pairId(guild, user),
    guildId: guild.toString(),
    userId: user.toString(),
    userKey: user,
    nick: m.nick,
    roleIds: [...m.roleIds],
    joinedAt: m.joinedAt,
    communicationDisabledUntil: m.communicationDisabledUntil,
    mute: m.mute,
    deaf: m.deaf,
  };
}

export function memberFromDoc(d: MemberDoc): MemberRecord {
  return {
    guildId: d.guildId,
    userId: d.userId,
    nick: d.nick,
    roleIds: [...d.roleIds],
    joinedAt: d.joinedAt,
    communicationDisabledUntil: d.communicationDisabledUntil,
    mute: d.mute === true,
    deaf: d.deaf === true,
  };
}

export interface BanDoc {
  _id: string;
  guildId: string;
  userId: string;
  userKey: bigint;
  reason: string | null;
  createdAt: number;
}

export function banFromDoc(d: BanDoc): BanRecord {
  return { guildId: d.guildId, userId: d.userId, reason: d.reason, createdAt: d.createdAt };
}

export interface InviteDoc {
  /** The invite code (case-sensitive). */
  _id: string;
  guildId: string;
  channelId: string;
  inviterId: string;
  maxAge: number;
  maxUses: number;
  uses: number;
  temporary: boolean;
  createdAt: number;
  expiresAt: number | null;
}

export function inviteToDoc(i: InviteRecord): InviteDoc {
  return {
    _id: i.code,
    guildId: canonical(i.guildId, 'invite.guildId'),
    channelId: canonical(i.channelId, 'invite.channelId'),
    inviterId: canonical(i.inviterId, 'invite.inviterId'),
    maxAge: i.maxAge,
    maxUses: i.maxUses,
    uses: i.uses,
    temporary: i.temporary,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
  };
}

export function inviteFromDoc(d: InviteDoc): InviteRecord {
  return {
    code: d._id,
    guildId: d.guildId,
    channelId: d.channelId,
    inviterId: d.inviterId,
    maxAge: d.maxAge,
    maxUses: d.maxUses,
    uses: d.uses,
    temporary: d.temporary,
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
  };
}

export interface MessageDoc {
  /** The message id as int64: (channelId, _id) is the history index. */
  _id: bigint;
  channelId: string;
  guildId: string | null;
  authorId: string;
  type: number;
  content: string;
  /** Unique per (channelId, authorId) when a string (partial unique index). */
  nonce: string | null;
  mentionEveryone: boolean;
  mentionUserIds: string[];
  mentionRoleIds: string[];
  attachments: AttachmentRecord[];
  /**
   * Opaque bot JSON, stored as JSON text: BSON would refuse some keys ("$x") and turn integers
   * into doubles or int32 by size; text round-trips exactly as SQLite's JSON column does.
   */
  embeds: string | null;
  reference: MessageReference | null;
  pinned: boolean;
  pinnedAt: number | null;
  editedAt: number | null;
  createdAt: number;
}

export function messageToDoc(m: MessageRecord): MessageDoc {
  return {
    _id: writeKey(m.id, 'message.id'),
    channelId: canonical(m.channelId, 'message.channelId'),
    guildId: canonicalOrNull(m.guildId, 'message.guildId'),
    authorId: canonical(m.authorId, 'message.authorId'),
    type: m.type,
    content: m.content,
    nonce: m.nonce,
    mentionEveryone: m.mentionEveryone,
    mentionUserIds: [...m.mentionUserIds],
    mentionRoleIds: [...m.mentionRoleIds],
    attachments: m.attachments.map((a) => ({ ...a })),
    embeds: m.embeds.length === 0 ? null : JSON.stringify(m.embeds),
    reference: m.reference === null ? null : { ...m.reference },
    pinned: m.pinned,
    pinnedAt: m.pinnedAt,
    editedAt: m.editedAt,
    createdAt: m.createdAt,
  };
}

export function messageFromDoc(d: MessageDoc): MessageRecord {
  return {
    id: d._id.toString(),
    channelId: d.channelId,
    guildId: d.guildId,
    authorId: d.authorId,
    type: d.type,
    content: d.content,
    nonce: d.nonce,
    mentionEveryone: d.mentionEveryone,
    mentionUserIds: d.mentionUserIds,
    mentionRoleIds: d.mentionRoleIds,
    attachments: d.attachments,
    embeds: d.embeds === null ? [] : (JSON.parse(d.embeds) as unknown[]),
    reference: d.reference,
    pinned: d.pinned,
    pinnedAt: d.pinnedAt,
    editedAt: d.editedAt,
    createdAt: d.createdAt,
  };
}

export interface MessageEditDoc {
  _id?: ObjectId;
  messageId: bigint;
  channelId: string;
  content: string;
  editedAt: number;
}

export interface ReactionDoc {
  _id?: ObjectId;
  messageId: bigint;
  channelId: string;
  emoji: string;
  userId: string;
  userKey: bigint;
  createdAt: number;
}

export interface ReadStateDoc {
  /** "<userId>:<channelId>". */
  _id: string;
  userId: string;
  channelId: string;
  lastMessageId: bigint | null;
  mentionCount: number;
}

export function readStateFromDoc(d: ReadStateDoc): ReadStateRecord {
  return {
    userId: d.userId,
    channelId: d.channelId,
    lastMessageId:
      d.lastMessageId === null || d.lastMessageId === undefined ? null : d.lastMessageId.toString(),
    mentionCount: Number(d.mentionCount),
  };
}
