import { pickPatch, type StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { MessageQuery, MessageStore, SearchQuery } from '../ports.js';
import type { MessageEditRecord, MessageRecord } from '../records.js';
import { ftsMatchExpression, searchTerms } from '../searchTerms.js';
import { afterKey, cursorKey, lookupKey, lookupKeys, MAX_KEY } from '../snowflakeKey.js';
import { MESSAGE_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { GroupCommit } from './GroupCommit.js';
import { keyList } from './json.js';
import {
  MESSAGE_COLUMNS,
  type MessageParams,
  type MessageRow,
  type MessageTuple,
  toMessageParams,
  toMessageRecord,
  tupleToMessageRecord,
} from './messageRows.js';
import { sqliteCall } from './sqliteErrors.js';

type MessagePatch = Parameters<MessageStore['update']>[2];

interface SearchParams {
  match?: string;
  guild: bigint;
  channels: string;
  author?: bigint;
  limit: number;
  offset: number;
}

interface SearchStatements {
  count: Statement<[SearchParams], { n: number }>;
  page: Statement<[SearchParams], MessageRow>;
}

interface EditRow {
  message_id: string;
  content: string;
  edited_at: number;
}

export class SqliteMessageStore implements MessageStore {
  readonly #state: StorageState;
  /** Resolves to the earlier message when the nonce was already used, else undefined (inserted). */
  readonly #creates: GroupCommit<MessageParams, MessageRow | undefined>;
  readonly #get: Statement<[bigint, bigint], MessageRow>;
  readonly #many: Statement<[bigint, string], MessageRow>;
  readonly #newest: Statement<[bigint, number], MessageTuple>;
  readonly #before: Statement<[bigint, bigint, number], MessageTuple>;
  readonly #after: Statement<[bigint, bigint, number], MessageTuple>;
  readonly #atOrAfter: Statement<[bigint, bigint, number], MessageTuple>;
  readonly #pinned: Statement<[bigint], MessageRow>;
  /** Keyed by which optional filters are present: content (FTS) and author. */
  readonly #search: Record<'text+author' | 'text' | 'author' | 'plain', SearchStatements>;
  readonly #countAfter: Statement<[bigint, bigint, number], { n: number }>;
  readonly #update: {
    immediate(channel: bigint, message: bigint, patch: MessagePatch): MessageRecord | null;
  };
  readonly #edits: Statement<[bigint], EditRow>;
  readonly #delete: { immediate(channel: bigint, message: bigint): boolean };
  readonly #bulkDelete: { immediate(channel: bigint, messages: bigint[]): Set<string> };

  /** `closing` collects work to finish before the database closes (the queued creates). */
  constructor(db: Database, state: StorageState, closing: (() => void)[]) {
    this.#state = state;
    const select = `SELECT ${MESSAGE_COLUMNS} FROM messages m`;

    // The nonce index is the conflict target: a retry inserts nothing and reads the first message.
    // A reused message id is still a PRIMARY KEY violation (STORE_CONFLICT on id).
    const insert = db.prepare<[MessageParams]>(
      `INSERT INTO messages (id, channel_id, guild_id, author_id, type, content, nonce, mention_everyone,
          mention_user_ids, mention_role_ids, attachments, embeds, reference, pinned, pinned_at, edited_at,
          created_at)
        VALUES (@id, @channel_id, @guild_id, @author_id, @type, @content, @nonce, @mention_everyone,
          @mention_user_ids, @mention_role_ids, @attachments, @embeds, @reference, @pinned, @pinned_at,
          @edited_at, @created_at)
        ON CONFLICT (channel_id, author_id, nonce) WHERE nonce IS NOT NULL DO NOTHING`,
    );
    const byNonce = db.prepare<[bigint, bigint, string], MessageRow>(
      `${select} WHERE m.channel_id = ? AND m.author_id = ? AND m.nonce = ?`,
    );
    // Never backwards: concurrent writers (other connections too) may commit out of id order.
    const advanceChannel = db.prepare<[{ channel: bigint; message: bigint }]>(
      `UPDATE channels SET last_message_id = @message
        WHERE id = @channel AND (last_message_id IS NULL OR last_message_id < @message)`,
    );
    this.#creates = new GroupCommit(db, (params: MessageParams) => {
      if (insert.run(params).changes === 1) {
        advanceChannel.run({ channel: params.channel_id, message: params.id });
        return undefined;
      }
      // DO NOTHING happened, so the nonce is set and its row exists: committed earlier or earlier
      // in this very batch (a retry racing its original).
      return byNonce.get(params.channel_id, params.author_id, params.nonce ?? '');
    });
    closing.push(() => this.#creates.flush());

    this.#get = db.prepare(`${select} WHERE m.channel_id = ? AND m.id = ?`);
    this.#many = db.prepare(`${select} WHERE m.channel_id = ? AND m.id IN (SELECT value FROM json_each(?))`);
    // Every page is one range scan of messages_channel (channel_id, id), LIMIT rows long, read as
    // arrays (see MessageTuple).
    const page = <P extends unknown[]>(where: string) =>
      db.prepare<P, MessageTuple>(`${select} WHERE ${where}`).raw(true);
    this.#newest = page('m.channel_id = ? ORDER BY m.id DESC LIMIT ?');
    this.#before = page('m.channel_id = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?');
    this.#after = page('m.channel_id = ? AND m.id > ? ORDER BY m.id ASC LIMIT ?');
    this.#atOrAfter = page('m.channel_id = ? AND m.id >= ? ORDER BY m.id ASC LIMIT ?');
    this.#pinned = db.prepare(
      `${select} WHERE m.channel_id = ? AND m.pinned = 1 ORDER BY m.pinned_at DESC, m.id DESC`,
    );

    const searchStatements = (text: boolean, author: boolean): SearchStatements => {
      const from = text
        ? 'FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH @match AND'
        : 'FROM messages m WHERE';
      const where = `${from} m.guild_id = @guild AND m.channel_id IN (SELECT value FROM json_each(@channels))
        ${author ? 'AND m.author_id = @author' : ''}`;
      // With text, FTS5 walks its matches by descending rowid itself, so the newest come first
      // without sorting every match.
      const order = text ? 'ORDER BY f.rowid DESC' : 'ORDER BY m.id DESC';
      return {
        count: db.prepare(`SELECT count(*) AS n ${where}`),
        page: db.prepare(`SELECT ${MESSAGE_COLUMNS} ${where} ${order} LIMIT @limit OFFSET @offset`),
      };
    };
    this.#search = {
      'text+author': searchStatements(true, true),
      text: searchStatements(true, false),
      author: searchStatements(false, true),
      plain: searchStatements(false, false),
    };
    // LIMIT inside: an unread badge caps at `cap`, so counting stops there too.
    this.#countAfter = db.prepare(
      'SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE channel_id = ? AND id > ? LIMIT ?)',
    );

    const write = db.prepare<[MessageParams]>(
      `UPDATE messages SET content = @content, embeds = @embeds, attachments = @attachments, pinned = @pinned,
        pinned_at = @pinned_at, edited_at = @edited_at, mention_user_ids = @mention_user_ids,
        mention_role_ids = @mention_role_ids, mention_everyone = @mention_everyone WHERE id = @id`,
    );
    const insertEdit = db.prepare<[bigint, string, number]>(
      'INSERT INTO message_edits (message_id, content, edited_at) VALUES (?, ?, ?)',
    );
    this.#update = db.transaction((channel: bigint, message: bigint, patch: MessagePatch) => {
      const row = this.#get.get(channel, message);
      if (!row) return null;
      const previous = toMessageRecord(row);
      const next: MessageRecord = { ...previous, ...pickPatch(patch, UPDATABLE) };
      write.run(toMessageParams(next));
      if (next.content !== previous.content) {
        insertEdit.run(message, previous.content, next.editedAt ?? Date.now());
      }
      return next;
    });
    this.#edits = db.prepare(
      `SELECT CAST(message_id AS TEXT) AS message_id, content, edited_at FROM message_edits
        WHERE message_id = ? ORDER BY edited_at, id`,
    );

    const deleteOne = db.prepare<[bigint, bigint]>('DELETE FROM messages WHERE channel_id = ? AND id = ?');
    const deleteReactions = db.prepare<[bigint]>('DELETE FROM reactions WHERE message_id = ?');
    const deleteEdits = db.prepare<[bigint]>('DELETE FROM message_edits WHERE message_id = ?');
    this.#delete = db.transaction((channel: bigint, message: bigint) => {
      if (deleteOne.run(channel, message).changes === 0) return false;
      deleteReactions.run(message);
      deleteEdits.run(message);
      return true;
    });
    const deleteMany = db.prepare<[bigint, string], { id: string }>(
      `DELETE FROM messages WHERE channel_id = ? AND id IN (SELECT value FROM json_each(?))
        RETURNING CAST(id AS TEXT) AS id`,
    );
    const deleteManyReactions = db.prepare<[string]>(
      'DELETE FROM reactions WHERE message_id IN (SELECT value FROM json_each(?))',
    );
    const deleteManyEdits = db.prepare<[string]>(
      'DELETE FROM message_edits WHERE message_id IN (SELECT value FROM json_each(?))',
    );
    this.#bulkDelete = db.transaction((channel: bigint, messages: bigint[]) => {
      const deleted = new Set(deleteMany.all(channel, keyList(messages)).map((r) => r.id));
      if (deleted.size > 0) {
        const list = `[${[...deleted].join(',')}]`;
        deleteManyReactions.run(list);
        deleteManyEdits.run(list);
      }
      return deleted;
    });
  }

  async create(message: MessageRecord): Promise<{ message: MessageRecord; created: boolean }> {
    this.#state.assertOpen('messages.create');
    const params = toMessageParams(message);
    const row = await this.#creates.submit(params);
    return row ? { message: toMessageRecord(row), created: false } : { message, created: true };
  }

  async get(channelId: string, messageId: string): Promise<MessageRecord | null> {
    this.#state.assertOpen('messages.get');
    const channel = lookupKey(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return null;
    const row = sqliteCall(() => this.#get.get(channel, message));
    return row ? toMessageRecord(row) : null;
  }

  async getMany(channelId: string, messageIds: string[]): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.getMany');
    const channel = lookupKey(channelId);
    const messages = lookupKeys(messageIds);
    if (channel === null || messages.length === 0) return [];
    return sqliteCall(() => this.#many.all(channel, keyList(messages))).map(toMessageRecord);
  }

  async list(channelId: string, query: MessageQuery): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.list');
    const channel = lookupKey(channelId);
    const limit = query.limit;
    if (channel === null || !(limit > 0)) return [];
    const rows = sqliteCall((): MessageTuple[] | null => {
      // A cursor beyond every storable id (up to 2^64 is a valid Snowflake) is "newer than all".
      const olderThan = (key: bigint, n: number) =>
        key > MAX_KEY ? this.#newest.all(channel, n) : this.#before.all(channel, key, n);
      if (query.before !== undefined) {
        const before = cursorKey(query.before);
        return before === null ? null : olderThan(before, limit);
      }
      if (query.after !== undefined) {
        const after = afterKey(query.after);
        return after === null ? null : this.#after.all(channel, after, limit).reverse();
      }
      if (query.around !== undefined) {
        const around = cursorKey(query.around);
        if (around === null) return null;
        // Discord's split: the older half strictly before, the rest from the message itself on.
        const older = Math.floor(limit / 2);
        const newer = around > MAX_KEY ? [] : this.#atOrAfter.all(channel, around, limit - older).reverse();
        return older === 0 ? newer : newer.concat(olderThan(around, older));
      }
      return this.#newest.all(channel, limit);
    });
    return rows === null ? [] : rows.map(tupleToMessageRecord);
  }

  async listPinned(channelId: string): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.listPinned');
    const channel = lookupKey(channelId);
    if (channel === null) return [];
    return sqliteCall(() => this.#pinned.all(channel)).map(toMessageRecord);
  }

  async search(query: SearchQuery): Promise<{ total: number; messages: MessageRecord[] }> {
    this.#state.assertOpen('messages.search');
    const guild = lookupKey(query.guildId);
    const channels = lookupKeys(query.channelIds);
    const author = query.authorId === undefined ? undefined : lookupKey(query.authorId);
    const terms = query.content === undefined ? undefined : searchTerms(query.content);
    // Nothing the caller may see, an author who cannot exist, or text with no word in it: no match.
    if (guild === null || channels.length === 0 || author === null || terms?.length === 0) {
      return { total: 0, messages: [] };
    }
    const params: SearchParams = {
      guild,
      channels: keyList(channels),
      limit: Math.max(0, query.limit),
      offset: Math.max(0, query.offset),
    };
    if (terms) params.match = ftsMatchExpression(terms);
    if (author !== undefined) params.author = author;
    const statements =
      this.#search[
        terms ? (author === undefined ? 'text' : 'text+author') : author === undefined ? 'plain' : 'author'
      ];
    return sqliteCall(() => {
      const total = statements.count.get(params)?.n ?? 0;
      const rows = params.limit === 0 || params.offset >= total ? [] : statements.page.all(params);
      return { total, messages: rows.map(toMessageRecord) };
    });
  }

  async countAfter(channelId: string, afterId: string | null, cap: number): Promise<number> {
    this.#state.assertOpen('messages.countAfter');
    const channel = lookupKey(channelId);
    const after = afterId === null ? -1n : afterKey(afterId);
    if (channel === null || after === null || !(cap > 0)) return 0;
    return sqliteCall(() => this.#countAfter.get(channel, after, cap))?.n ?? 0;
  }

  async update(channelId: string, messageId: string, patch: MessagePatch): Promise<MessageRecord | null> {
    this.#state.assertOpen('messages.update');
    const channel = lookupKey(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return null;
    return sqliteCall(() => this.#update.immediate(channel, message, patch));
  }

  async listEdits(messageId: string): Promise<MessageEditRecord[]> {
    this.#state.assertOpen('messages.listEdits');
    const message = lookupKey(messageId);
    if (message === null) return [];
    return sqliteCall(() => this.#edits.all(message)).map((row) => ({
      messageId: row.message_id,
      content: row.content,
      editedAt: row.edited_at,
    }));
  }

  async delete(channelId: string, messageId: string): Promise<boolean> {
    this.#state.assertOpen('messages.delete');
    const channel = lookupKey(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return false;
    return sqliteCall(() => this.#delete.immediate(channel, message));
  }

  async bulkDelete(channelId: string, messageIds: string[]): Promise<string[]> {
    this.#state.assertOpen('messages.bulkDelete');
    const channel = lookupKey(channelId);
    const messages = lookupKeys(messageIds);
    if (channel === null || messages.length === 0) return [];
    const deleted = sqliteCall(() => this.#bulkDelete.immediate(channel, messages));
    // The caller's order (it becomes MESSAGE_DELETE_BULK's ids), each id once, in canonical form.
    return messages.map(String).filter((id) => deleted.has(id));
  }
}
