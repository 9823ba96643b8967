import { pickPatch, type StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { GuildStore } from '../ports.js';
import type { GuildRecord } from '../records.js';
import { lookupKey, lookupKeys, writeKey, writeKeyOrNull } from '../snowflakeKey.js';
import { GUILD_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { keyList } from './json.js';
import type { SqliteCascade } from './SqliteCascade.js';
import { sqliteCall } from './sqliteErrors.js';

interface GuildRow {
  id: string;
  name: string;
  owner_id: string;
  icon: string | null;
  description: string | null;
  system_channel_id: string | null;
  created_at: number;
}

interface GuildParams {
  id: bigint;
  name: string;
  owner_id: bigint;
  icon: string | null;
  description: string | null;
  system_channel_id: bigint | null;
  created_at: number;
}

type GuildPatch = Parameters<GuildStore['update']>[1];

const COLUMNS = `CAST(id AS TEXT) AS id, name, CAST(owner_id AS TEXT) AS owner_id, icon, description,
  CAST(system_channel_id AS TEXT) AS system_channel_id, created_at`;

export class SqliteGuildStore implements GuildStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[GuildParams]>;
  readonly #byId: Statement<[bigint], GuildRow>;
  readonly #many: Statement<[string], GuildRow>;
  readonly #write: Statement<[GuildParams]>;
  readonly #update: { immediate(id: bigint, patch: GuildPatch): GuildRecord | null };
  readonly #delete: { immediate(id: bigint): boolean };

  constructor(db: Database, state: StorageState, cascade: SqliteCascade) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO guilds (id, name, owner_id, icon, description, system_channel_id, created_at)
        VALUES (@id, @name, @owner_id, @icon, @description, @system_channel_id, @created_at)`,
    );
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM guilds WHERE id = ?`);
    this.#many = db.prepare(`SELECT ${COLUMNS} FROM guilds WHERE id IN (SELECT value FROM json_each(?))`);
    this.#write = db.prepare(
      `UPDATE guilds SET name = @name, owner_id = @owner_id, icon = @icon, description = @description,
        system_channel_id = @system_channel_id WHERE id = @id`,
    );
    // IMMEDIATE: read-merge-write must hold the write lock from its read on, or a second
    // connection to the same file could interleave (SQLITE_BUSY_SNAPSHOT, no retry).
    this.#update = db.transaction((id: bigint, patch: GuildPatch) => {
      const row = this.#byId.get(id);
      if (!row) return null;
      const next: GuildRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run(toParams(next));
      return next;
    });
    this.#delete = db.transaction((id: bigint) => cascade.deleteGuild(id));
  }

  async create(guild: GuildRecord): Promise<void> {
    this.#state.assertOpen('guilds.create');
    const params = toParams(guild);
    sqliteCall(() => this.#insert.run(params));
  }

  async get(id: string): Promise<GuildRecord | null> {
    this.#state.assertOpen('guilds.get');
    const key = lookupKey(id);
    if (key === null) return null;
    const row = sqliteCall(() => this.#byId.get(key));
    return row ? toRecord(row) : null;
  }

  async getMany(ids: string[]): Promise<GuildRecord[]> {
    this.#state.assertOpen('guilds.getMany');
    const keys = lookupKeys(ids);
    if (keys.length === 0) return [];
    return sqliteCall(() => this.#many.all(keyList(keys))).map(toRecord);
  }

  async update(id: string, patch: GuildPatch): Promise<GuildRecord | null> {
    this.#state.assertOpen('guilds.update');
    const key = lookupKey(id);
    if (key === null) return null;
    return sqliteCall(() => this.#update.immediate(key, patch));
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('guilds.delete');
    const key = lookupKey(id);
    if (key === null) return false;
    return sqliteCall(() => this.#delete.immediate(key));
  }
}

function toParams(guild: GuildRecord): GuildParams {
  return {
    id: writeKey(guild.id, 'guild.id'),
    name: guild.name,
    owner_id: writeKey(guild.ownerId, 'guild.ownerId'),
    icon: guild.icon,
    description: guild.description,
    system_channel_id: writeKeyOrNull(guild.systemChannelId, 'guild.systemChannelId'),
    created_at: guild.createdAt,
  };
}

function toRecord(row: GuildRow): GuildRecord {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    icon: row.icon,
    description: row.description,
    systemChannelId: row.system_channel_id,
    createdAt: row.created_at,
  };
}
