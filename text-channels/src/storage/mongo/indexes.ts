import type { IndexDescription } from 'mongodb';
import { COLLECTIONS } from './documents.js';

/**
 * Indexes created at start (createIndexes is a no-op for an index that already exists with the
 * same definition), one for every query the ports make, as in the SQLite schema. Unique indexes
 * turn a duplicate into error 11000, which mongoErrors.ts maps to STORE_CONFLICT.
 */
export const textMongoIndexes: Record<string, IndexDescription[]> = {
  [COLLECTIONS.roles]: [{ key: { guildId: 1, position: 1 }, name: 'guild_position' }],
  [COLLECTIONS.channels]: [
    { key: { guildId: 1, position: 1 }, name: 'guild_position' },
    // One DM per pair of users; guild channels carry no dmKey and take no part.
    {
      key: { dmKey: 1 },
      name: 'dm_key_unique',
      unique: true,
      partialFilterExpression: { dmKey: { $type: 'string' } },
    },
    { key: { recipientIds: 1 }, name: 'dm_recipients', partialFilterExpression: { type: 1 } },
  ],
  [COLLECTIONS.members]: [
    // Paging by user id as a number; _id ("guild:user") already makes a membership unique.
    { key: { guildId: 1, userKey: 1 }, name: 'guild_user_key' },
    { key: { userId: 1 }, name: 'user_id' },
  ],
  [COLLECTIONS.bans]: [{ key: { guildId: 1, userKey: 1 }, name: 'guild_user_key' }],
  [COLLECTIONS.invites]: [
    { key: { guildId: 1, createdAt: 1 }, name: 'guild_created_at' },
    { key: { channelId: 1, createdAt: 1 }, name: 'channel_created_at' },
  ],
  [COLLECTIONS.messages]: [
    // History pages, countAfter and per-channel cascades: range scans on the int64 _id.
    { key: { channelId: 1, _id: 1 }, name: 'channel_id' },
    {
      key: { channelId: 1, authorId: 1, nonce: 1 },
      name: 'nonce_unique',
      unique: true,
      partialFilterExpression: { nonce: { $type: 'string' } },
    },
    { key: { guildId: 1, authorId: 1, _id: 1 }, name: 'guild_author_id' },
    { key: { channelId: 1, pinnedAt: -1 }, name: 'pinned', partialFilterExpression: { pinned: true } },
    // The one text index a collection may have. guildId first: every search names its guild,
    // which also keeps one guild's words out of another's scan. Language 'none': no stemming and
    // no stop words, so words match as they do in SQLite's unicode61 FTS5 tokenizer.
    {
      key: { guildId: 1, content: 'text' },
      name: 'guild_content_text',
      default_language: 'none',
    },
  ],
  [COLLECTIONS.messageEdits]: [
    { key: { messageId: 1, editedAt: 1 }, name: 'message_edited_at' },
    { key: { channelId: 1 }, name: 'channel_id' },
  ],
  [COLLECTIONS.reactions]: [
    { key: { messageId: 1, emoji: 1, userKey: 1 }, name: 'reaction_unique', unique: true },
    { key: { channelId: 1 }, name: 'channel_id' },
  ],
  [COLLECTIONS.readStates]: [
    { key: { userId: 1 }, name: 'user_id' },
    { key: { channelId: 1 }, name: 'channel_id' },
  ],
};
