import type { StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { BanStore } from '../ports.js';
import type { BanRecord } from '../records.js';
import { afterKey, lookupKey, writeKey } from '../snowflakeKey.js';
import { sqliteCall } from './sqliteErrors.js';

interface BanRow {
  guild_id: string;
  user_id: string;
  reason: string | null;
  created_at: number;
}

const COLUMNS = 'CAST(guild_id AS TEXT) AS guild_id, CAST(user_id AS TEXT) AS user_id, reason, created_at';

export class SqliteBanStore implements BanStore {
  readonly #state: StorageState;
  readonly #put: Statement<
    [{ guild_id: bigint; user_id: bigint; reason: string | null; created_at: number }]
  >;
  readonly #get: Statement<[bigint, bigint], BanRow>;
  readonly #list: Statement<[bigint, bigint, number], BanRow>;
  readonly #delete: Statement<[bigint, bigint]>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#put = db.prepare(
      `INSERT INTO bans (guild_id, user_id, reason, created_at) VALUES (@guild_id, @user_id, @reason, @created_at)
        ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM bans WHERE guild_id = ? AND user_id = ?`);
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM bans WHERE guild_id = ? AND user_id > ? ORDER BY bans.user_id LIMIT ?`,
    );
    this.#delete = db.prepare('DELETE FROM bans WHERE guild_id = ? AND user_id = ?');
  }

  async put(ban: BanRecord): Promise<void> {
    this.#state.assertOpen('bans.put');
    const params = {
      guild_id: writeKey(ban.guildId, 'ban.guildId'),
      user_id: writeKey(ban.userId, 'ban.userId'),
      reason: ban.reason,
      created_at: ban.createdAt,
    };
    sqliteCall(() => this.#put.run(params));
  }

  async get(guildId: string, userId: string): Promise<BanRecord | null> {
    this.#state.assertOpen('bans.get');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    const row = sqliteCall(() => this.#get.get(guild, user));
    return row ? toRecord(row) : null;
  }

  async list(guildId: string, options: { after?: string; limit: number }): Promise<BanRecord[]> {
    this.#state.assertOpen('bans.list');
    const guild = lookupKey(guildId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (guild === null || after === null || options.limit <= 0) return [];
    return sqliteCall(() => this.#list.all(guild, after, options.limit)).map(toRecord);
  }

  async delete(guildId: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('bans.delete');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return false;
    return sqliteCall(() => this.#delete.run(guild, user)).changes === 1;
  }
}

function toRecord(row: BanRow): BanRecord {
  return { guildId: row.guild_id, userId: row.user_id, reason: row.reason, createdAt: row.created_at };
}
