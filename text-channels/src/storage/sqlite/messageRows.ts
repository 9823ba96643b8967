import type { AttachmentRecord, MessageRecord, MessageReference } from '../records.js';
import { writeKey, writeKeyOrNull } from '../snowflakeKey.js';
import { bool, decodeJson, decodeList, encodeJson, encodeList } from './json.js';

/** A messages row as read (ids cast to text). */
export interface MessageRow {
  id: string;
  channel_id: string;
  guild_id: string | null;
  author_id: string;
  type: number;
  content: string;
  nonce: string | null;
  mention_everyone: number;
  mention_user_ids: string | null;
  mention_role_ids: string | null;
  attachments: string | null;
  embeds: string | null;
  reference: string | null;
  pinned: number;
  pinned_at: number | null;
  edited_at: number | null;
  created_at: number;
}

/** A messages row as written (ids as 64-bit integers). */
export interface MessageParams {
  id: bigint;
  channel_id: bigint;
  guild_id: bigint | null;
  author_id: bigint;
  type: number;
  content: string;
  nonce: string | null;
  mention_everyone: number;
  mention_user_ids: string | null;
  mention_role_ids: string | null;
  attachments: string | null;
  embeds: string | null;
  reference: string | null;
  pinned: number;
  pinned_at: number | null;
  edited_at: number | null;
  created_at: number;
}

/**
 * A messages row read in raw mode (an array, in MESSAGE_COLUMNS order): history pages read 100
 * rows at a time, and better-sqlite3 builds an array much faster than a 17-property object
 * (about 40% of a page's query time).
 */
export type MessageTuple = [
  id: string,
  channel_id: string,
  guild_id: string | null,
  author_id: string,
  type: number,
  content: string,
  nonce: string | null,
  mention_everyone: number,
  mention_user_ids: string | null,
  mention_role_ids: string | null,
  attachments: string | null,
  embeds: string | null,
  reference: string | null,
  pinned: number,
  pinned_at: number | null,
  edited_at: number | null,
  created_at: number,
];

export const MESSAGE_COLUMNS = `CAST(m.id AS TEXT) AS id, CAST(m.channel_id AS TEXT) AS channel_id,
  CAST(m.guild_id AS TEXT) AS guild_id, CAST(m.author_id AS TEXT) AS author_id, m.type, m.content, m.nonce,
  m.mention_everyone, m.mention_user_ids, m.mention_role_ids, m.attachments, m.embeds, m.reference, m.pinned,
  m.pinned_at, m.edited_at, m.created_at`;

export function toMessageParams(message: MessageRecord): MessageParams {
  return {
    id: writeKey(message.id, 'message.id'),
    channel_id: writeKey(message.channelId, 'message.channelId'),
    guild_id: writeKeyOrNull(message.guildId, 'message.guildId'),
    author_id: writeKey(message.authorId, 'message.authorId'),
    type: message.type,
    content: message.content,
    nonce: message.nonce,
    mention_everyone: message.mentionEveryone ? 1 : 0,
    mention_user_ids: encodeList(message.mentionUserIds),
    mention_role_ids: encodeList(message.mentionRoleIds),
    attachments: encodeList(message.attachments),
    embeds: encodeList(message.embeds),
    reference: encodeJson(message.reference),
    pinned: message.pinned ? 1 : 0,
    pinned_at: message.pinnedAt,
    edited_at: message.editedAt,
    created_at: message.createdAt,
  };
}

export function toMessageRecord(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    guildId: row.guild_id,
    authorId: row.author_id,
    type: row.type,
    content: row.content,
    nonce: row.nonce,
    mentionEveryone: bool(row.mention_everyone),
    mentionUserIds: decodeList<string>(row.mention_user_ids),
    mentionRoleIds: decodeList<string>(row.mention_role_ids),
    attachments: decodeList<AttachmentRecord>(row.attachments),
    embeds: decodeList<unknown>(row.embeds),
    reference: decodeJson<MessageReference>(row.reference),
    pinned: bool(row.pinned),
    pinnedAt: row.pinned_at,
    editedAt: row.edited_at,
    createdAt: row.created_at,
  };
}

export function tupleToMessageRecord(t: MessageTuple): MessageRecord {
  return {
    id: t[0],
    channelId: t[1],
    guildId: t[2],
    authorId: t[3],
    type: t[4],
    content: t[5],
    nonce: t[6],
    mentionEveryone: bool(t[7]),
    mentionUserIds: decodeList<string>(t[8]),
    mentionRoleIds: decodeList<string>(t[9]),
    attachments: decodeList<AttachmentRecord>(t[10]),
    embeds: decodeList<unknown>(t[11]),
    reference: decodeJson<MessageReference>(t[12]),
    pinned: bool(t[13]),
    pinnedAt: t[14],
    editedAt: t[15],
    createdAt: t[16],
  };
}
