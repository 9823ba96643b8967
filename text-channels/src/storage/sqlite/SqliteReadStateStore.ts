import type { StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { ReadStateStore } from '../ports.js';
import type { ReadStateRecord } from '../records.js';
import { lookupKey, lookupKeys, writeKey } from '../snowflakeKey.js';
import { sqliteCall } from './sqliteErrors.js';

interface ReadStateRow {
  user_id: string;
  channel_id: string;
  last_message_id: string | null;
  mention_count: number;
}

const COLUMNS = `CAST(user_id AS TEXT) AS user_id, CAST(channel_id AS TEXT) AS channel_id,
  CAST(last_message_id AS TEXT) AS last_message_id, mention_count`;

export class SqliteReadStateStore implements ReadStateStore {
  readonly #state: StorageState;
  readonly #get: Statement<[bigint, bigint], ReadStateRow>;
  readonly #forUser: Statement<[bigint], ReadStateRow>;
  readonly #ack: { immediate(user: bigint, channel: bigint, message: bigint): ReadStateRow | undefined };
  readonly #addMentions: { immediate(channel: bigint, users: bigint[]): void };

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM read_states WHERE user_id = ? AND channel_id = ?`);
    this.#forUser = db.prepare(
      `SELECT ${COLUMNS} FROM read_states WHERE user_id = ? ORDER BY read_states.channel_id`,
    );
    // Integers compare numerically, so "never backwards" holds across ids of any digit count. An
    // ack of the current message again still clears mentions counted for it meanwhile.
    const upsertAck = db.prepare<[{ user: bigint; channel: bigint; message: bigint }]>(
      `INSERT INTO read_states (user_id, channel_id, last_message_id, mention_count) VALUES (@user, @channel, @message, 0)
        ON CONFLICT (user_id, channel_id) DO UPDATE SET last_message_id = excluded.last_message_id,
          mention_count = 0
        WHERE read_states.last_message_id IS NULL OR read_states.last_message_id <= excluded.last_message_id`,
    );
    this.#ack = db.transaction((user: bigint, channel: bigint, message: bigint) => {
      upsertAck.run({ user, channel, message });
      return this.#get.get(user, channel);
    });
    const mention = db.prepare<[bigint, bigint]>(
      `INSERT INTO read_states (user_id, channel_id, last_message_id, mention_count) VALUES (?, ?, NULL, 1)
        ON CONFLICT (user_id, channel_id) DO UPDATE SET mention_count = mention_count + 1`,
    );
    this.#addMentions = db.transaction((channel: bigint, users: bigint[]) => {
      for (const user of users) mention.run(user, channel);
    });
  }

  async get(userId: string, channelId: string): Promise<ReadStateRecord | null> {
    this.#state.assertOpen('readStates.get');
    const user = lookupKey(userId);
    const channel = lookupKey(channelId);
    if (user === null || channel === null) return null;
    const row = sqliteCall(() => this.#get.get(user, channel));
    return row ? toRecord(row) : null;
  }

  async listForUser(userId: string): Promise<ReadStateRecord[]> {
    this.#state.assertOpen('readStates.listForUser');
    const user = lookupKey(userId);
    if (user === null) return [];
    return sqliteCall(() => this.#forUser.all(user)).map(toRecord);
  }

  async ack(userId: string, channelId: string, messageId: string): Promise<ReadStateRecord> {
    this.#state.assertOpen('readStates.ack');
    const user = writeKey(userId, 'readState.userId');
    const channel = writeKey(channelId, 'readState.channelId');
    const message = writeKey(messageId, 'readState.lastMessageId');
    const row = sqliteCall(() => this.#ack.immediate(user, channel, message));
    if (!row) throw new Error('readStates.ack: the row just written is missing');
    return toRecord(row);
  }

  async addMentions(channelId: string, userIds: string[]): Promise<void> {
    this.#state.assertOpen('readStates.addMentions');
    const channel = writeKey(channelId, 'readState.channelId');
    for (const id of userIds) writeKey(id, 'readState.userId');
    // One mention per user per call, however often the caller listed them.
    const users = lookupKeys(userIds);
    if (users.length === 0) return;
    sqliteCall(() => this.#addMentions.immediate(channel, users));
  }
}

function toRecord(row: ReadStateRow): ReadStateRecord {
  return {
    userId: row.user_id,
    channelId: row.channel_id,
    lastMessageId: row.last_message_id,
    mentionCount: row.mention_count,
  };
}
