import { pickPatch, type StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { RoleStore } from '../ports.js';
import type { RoleRecord } from '../records.js';
import { lookupKey, writeKey } from '../snowflakeKey.js';
import { ROLE_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { bool } from './json.js';
import { sqliteCall } from './sqliteErrors.js';

interface RoleRow {
  id: string;
  guild_id: string;
  name: string;
  color: number;
  hoist: number;
  position: number;
  permissions: string;
  mentionable: number;
  created_at: number;
}

interface RoleParams {
  id: bigint;
  guild_id: bigint;
  name: string;
  color: number;
  hoist: number;
  position: number;
  permissions: string;
  mentionable: number;
  created_at: number;
}

type RolePatch = Parameters<RoleStore['update']>[2];

const COLUMNS = `CAST(id AS TEXT) AS id, CAST(guild_id AS TEXT) AS guild_id, name, color, hoist, position,
  permissions, mentionable, created_at`;

export class SqliteRoleStore implements RoleStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[RoleParams]>;
  readonly #get: Statement<[bigint, bigint], RoleRow>;
  readonly #byGuild: Statement<[bigint], RoleRow>;
  readonly #write: Statement<[RoleParams]>;
  readonly #update: { immediate(guild: bigint, role: bigint, patch: RolePatch): RoleRecord | null };
  readonly #delete: { immediate(guild: bigint, role: bigint): boolean };

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO roles (id, guild_id, name, color, hoist, position, permissions, mentionable, created_at)
        VALUES (@id, @guild_id, @name, @color, @hoist, @position, @permissions, @mentionable, @created_at)`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM roles WHERE guild_id = ? AND id = ?`);
    this.#byGuild = db.prepare(
      `SELECT ${COLUMNS} FROM roles WHERE guild_id = ? ORDER BY roles.position, roles.id`,
    );
    this.#write = db.prepare(
      `UPDATE roles SET name = @name, color = @color, hoist = @hoist, position = @position,
        permissions = @permissions, mentionable = @mentionable WHERE id = @id`,
    );
    this.#update = db.transaction((guild: bigint, role: bigint, patch: RolePatch) => {
      const row = this.#get.get(guild, role);
      if (!row) return null;
      const next: RoleRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run(toParams(next));
      return next;
    });

    const deleteRole = db.prepare('DELETE FROM roles WHERE guild_id = ? AND id = ?');
    // The role id is a JSON string inside role_ids and in each overwrite; only role overwrites
    // (type 0) name roles, a member overwrite with the same number would be someone else.
    const stripMembers = db.prepare<[{ guild: bigint; role: string }]>(
      `UPDATE members SET role_ids = (
          SELECT CASE WHEN count(*) = 0 THEN NULL ELSE json_group_array(value) END
          FROM json_each(members.role_ids) WHERE value <> @role)
        WHERE guild_id = @guild AND EXISTS (SELECT 1 FROM json_each(members.role_ids) WHERE value = @role)`,
    );
    const stripOverwrites = db.prepare<[{ guild: bigint; role: string }]>(
      `UPDATE channels SET permission_overwrites = (
          SELECT CASE WHEN count(*) = 0 THEN NULL ELSE json_group_array(json(value)) END
          FROM json_each(channels.permission_overwrites)
          WHERE NOT (value ->> '$.id' = @role AND value ->> '$.type' = 0))
        WHERE guild_id = @guild AND EXISTS (
          SELECT 1 FROM json_each(channels.permission_overwrites)
          WHERE value ->> '$.id' = @role AND value ->> '$.type' = 0)`,
    );
    this.#delete = db.transaction((guild: bigint, role: bigint) => {
      if (deleteRole.run(guild, role).changes === 0) return false;
      const id = role.toString();
      stripMembers.run({ guild, role: id });
      stripOverwrites.run({ guild, role: id });
      return true;
    });
  }

  async create(role: RoleRecord): Promise<void> {
    this.#state.assertOpen('roles.create');
    const params = toParams(role);
    sqliteCall(() => this.#insert.run(params));
  }

  async get(guildId: string, roleId: string): Promise<RoleRecord | null> {
    this.#state.assertOpen('roles.get');
    const guild = lookupKey(guildId);
    const role = lookupKey(roleId);
    if (guild === null || role === null) return null;
    const row = sqliteCall(() => this.#get.get(guild, role));
    return row ? toRecord(row) : null;
  }

  async listByGuild(guildId: string): Promise<RoleRecord[]> {
    this.#state.assertOpen('roles.listByGuild');
    const guild = lookupKey(guildId);
    if (guild === null) return [];
    return sqliteCall(() => this.#byGuild.all(guild)).map(toRecord);
  }

  async update(guildId: string, roleId: string, patch: RolePatch): Promise<RoleRecord | null> {
    this.#state.assertOpen('roles.update');
    const guild = lookupKey(guildId);
    const role = lookupKey(roleId);
    if (guild === null || role === null) return null;
    return sqliteCall(() => this.#update.immediate(guild, role, patch));
  }

  async delete(guildId: string, roleId: string): Promise<boolean> {
    this.#state.assertOpen('roles.delete');
    const guild = lookupKey(guildId);
    const role = lookupKey(roleId);
    if (guild === null || role === null) return false;
    return sqliteCall(() => this.#delete.immediate(guild, role));
  }
}

function toParams(role: RoleRecord): RoleParams {
  return {
    id: writeKey(role.id, 'role.id'),
    guild_id: writeKey(role.guildId, 'role.guildId'),
    name: role.name,
    color: role.color,
    hoist: role.hoist ? 1 : 0,
    position: role.position,
    permissions: role.permissions,
    mentionable: role.mentionable ? 1 : 0,
    created_at: role.createdAt,
  };
}

function toRecord(row: RoleRow): RoleRecord {
  return {
    id: row.id,
    guildId: row.guild_id,
    name: row.name,
    color: row.color,
    hoist: bool(row.hoist),
    position: row.position,
    permissions: row.permissions,
    mentionable: bool(row.mentionable),
    createdAt: row.created_at,
  };
}
