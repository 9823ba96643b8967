import type { StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { ReactionStore } from '../ports.js';
import type { ReactionCount, ReactionRecord } from '../records.js';
import { afterKey, lookupKey, lookupKeys, writeKey } from '../snowflakeKey.js';
import { keyList } from './json.js';
import { sqliteCall } from './sqliteErrors.js';

interface ReactionParams {
  message_id: bigint;
  channel_id: bigint;
  emoji: string;
  user_id: bigint;
  created_at: number;
}

interface CountRow {
  message_id: string;
  emoji: string;
  n: number;
  me: number;
}

export class SqliteReactionStore implements ReactionStore {
  readonly #state: StorageState;
  readonly #add: Statement<[ReactionParams]>;
  readonly #remove: Statement<[bigint, string, bigint]>;
  readonly #removeAll: Statement<[bigint]>;
  readonly #removeEmoji: Statement<[bigint, string]>;
  readonly #users: Statement<[bigint, string, bigint, number], { user_id: string }>;
  readonly #counts: Statement<[{ messages: string; viewer: bigint }], CountRow>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#add = db.prepare(
      `INSERT INTO reactions (message_id, channel_id, emoji, user_id, created_at)
        VALUES (@message_id, @channel_id, @emoji, @user_id, @created_at)
        ON CONFLICT (message_id, emoji, user_id) DO NOTHING`,
    );
    this.#remove = db.prepare('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?');
    this.#removeAll = db.prepare('DELETE FROM reactions WHERE message_id = ?');
    this.#removeEmoji = db.prepare('DELETE FROM reactions WHERE message_id = ? AND emoji = ?');
    this.#users = db.prepare(
      `SELECT CAST(user_id AS TEXT) AS user_id FROM reactions
        WHERE message_id = ? AND emoji = ? AND user_id > ? ORDER BY reactions.user_id LIMIT ?`,
    );
    // An emoji's place is its earliest remaining reaction: by time, then arrival (rowid).
    this.#counts = db.prepare(
      `SELECT CAST(message_id AS TEXT) AS message_id, emoji, count(*) AS n, max(user_id = @viewer) AS me
        FROM reactions WHERE message_id IN (SELECT value FROM json_each(@messages))
        GROUP BY reactions.message_id, emoji ORDER BY reactions.message_id, min(created_at), min(id)`,
    );
  }

  async add(reaction: ReactionRecord): Promise<boolean> {
    this.#state.assertOpen('reactions.add');
    const params: ReactionParams = {
      message_id: writeKey(reaction.messageId, 'reaction.messageId'),
      channel_id: writeKey(reaction.channelId, 'reaction.channelId'),
      emoji: reaction.emoji,
      user_id: writeKey(reaction.userId, 'reaction.userId'),
      created_at: reaction.createdAt,
    };
    return sqliteCall(() => this.#add.run(params)).changes === 1;
  }

  async remove(messageId: string, emoji: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('reactions.remove');
    const message = lookupKey(messageId);
    const user = lookupKey(userId);
    if (message === null || user === null) return false;
    return sqliteCall(() => this.#remove.run(message, emoji, user)).changes === 1;
  }

  async removeAll(messageId: string, emoji?: string): Promise<number> {
    this.#state.assertOpen('reactions.removeAll');
    const message = lookupKey(messageId);
    if (message === null) return 0;
    return sqliteCall(() =>
      emoji === undefined ? this.#removeAll.run(message) : this.#removeEmoji.run(message, emoji),
    ).changes;
  }

  async listUsers(
    messageId: string,
    emoji: string,
    options: { after?: string; limit: number },
  ): Promise<string[]> {
    this.#state.assertOpen('reactions.listUsers');
    const message = lookupKey(messageId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (message === null || after === null || !(options.limit > 0)) return [];
    return sqliteCall(() => this.#users.all(message, emoji, after, options.limit)).map((r) => r.user_id);
  }

  async counts(messageIds: string[], viewerId: string): Promise<Map<string, ReactionCount[]>> {
    this.#state.assertOpen('reactions.counts');
    const messages = lookupKeys(messageIds);
    const result = new Map<string, ReactionCount[]>(messages.map((key) => [key.toString(), []]));
    if (messages.length === 0) return result;
    // A viewer id that cannot exist reacted to nothing: -1 matches no row.
    const viewer = lookupKey(viewerId) ?? -1n;
    for (const row of sqliteCall(() => this.#counts.all({ messages: keyList(messages), viewer }))) {
      result.get(row.message_id)?.push({ emoji: row.emoji, count: row.n, me: row.me === 1 });
    }
    return result;
  }
}
