import { pickPatch, type StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { MemberStore } from '../ports.js';
import type { MemberRecord } from '../records.js';
import { afterKey, lookupKey, lookupKeys, writeKey } from '../snowflakeKey.js';
import { MEMBER_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { bool, decodeList, encodeList, keyList } from './json.js';
import { sqliteCall } from './sqliteErrors.js';

interface MemberRow {
  guild_id: string;
  user_id: string;
  nick: string | null;
  role_ids: string | null;
  joined_at: number;
  communication_disabled_until: number | null;
  mute: number;
  deaf: number;
}

interface MemberParams {
  guild_id: bigint;
  user_id: bigint;
  nick: string | null;
  role_ids: string | null;
  joined_at: number;
  communication_disabled_until: number | null;
  mute: number;
  deaf: number;
}

type MemberPatch = Parameters<MemberStore['update']>[2];

const COLUMNS = `CAST(guild_id AS TEXT) AS guild_id, CAST(user_id AS TEXT) AS user_id, nick, role_ids, joined_at,
  communication_disabled_until, mute, deaf`;

export class SqliteMemberStore implements MemberStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[MemberParams]>;
  readonly #get: Statement<[bigint, bigint], MemberRow>;
  readonly #list: Statement<[bigint, bigint, number], MemberRow>;
  readonly #many: Statement<[bigint, string], MemberRow>;
  readonly #guildIds: Statement<[bigint], { guild_id: string }>;
  readonly #count: Statement<[bigint], { n: number }>;
  readonly #write: Statement<[MemberParams]>;
  readonly #update: { immediate(guild: bigint, user: bigint, patch: MemberPatch): MemberRecord | null };
  readonly #remove: Statement<[bigint, bigint]>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO members (guild_id, user_id, nick, role_ids, joined_at, communication_disabled_until, mute, deaf)
        VALUES (@guild_id, @user_id, @nick, @role_ids, @joined_at, @communication_disabled_until, @mute, @deaf)`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM members WHERE guild_id = ? AND user_id = ?`);
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM members WHERE guild_id = ? AND user_id > ? ORDER BY members.user_id LIMIT ?`,
    );
    this.#many = db.prepare(
      `SELECT ${COLUMNS} FROM members WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
    );
    this.#guildIds = db.prepare('SELECT CAST(guild_id AS TEXT) AS guild_id FROM members WHERE user_id = ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM members WHERE guild_id = ?');
    this.#write = db.prepare(
      `UPDATE members SET nick = @nick, role_ids = @role_ids,
        communication_disabled_until = @communication_disabled_until, mute = @mute, deaf = @deaf
        WHERE guild_id = @guild_id AND user_id = @user_id`,
    );
    this.#update = db.transaction((guild: bigint, user: bigint, patch: MemberPatch) => {
      const row = this.#get.get(guild, user);
      if (!row) return null;
      const next: MemberRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run(toParams(next));
      return next;
    });
    this.#remove = db.prepare('DELETE FROM members WHERE guild_id = ? AND user_id = ?');
  }

  async add(member: MemberRecord): Promise<void> {
    this.#state.assertOpen('members.add');
    const params = toParams(member);
    sqliteCall(() => this.#insert.run(params));
  }

  async get(guildId: string, userId: string): Promise<MemberRecord | null> {
    this.#state.assertOpen('members.get');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    const row = sqliteCall(() => this.#get.get(guild, user));
    return row ? toRecord(row) : null;
  }

  async list(guildId: string, options: { after?: string; limit: number }): Promise<MemberRecord[]> {
    this.#state.assertOpen('members.list');
    const guild = lookupKey(guildId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (guild === null || after === null || options.limit <= 0) return [];
    return sqliteCall(() => this.#list.all(guild, after, options.limit)).map(toRecord);
  }

  async getMany(guildId: string, userIds: string[]): Promise<MemberRecord[]> {
    this.#state.assertOpen('members.getMany');
    const guild = lookupKey(guildId);
    const users = lookupKeys(userIds);
    if (guild === null || users.length === 0) return [];
    return sqliteCall(() => this.#many.all(guild, keyList(users))).map(toRecord);
  }

  async listGuildIdsForUser(userId: string): Promise<string[]> {
    this.#state.assertOpen('members.listGuildIdsForUser');
    const user = lookupKey(userId);
    if (user === null) return [];
    return sqliteCall(() => this.#guildIds.all(user)).map((r) => r.guild_id);
  }

  async count(guildId: string): Promise<number> {
    this.#state.assertOpen('members.count');
    const guild = lookupKey(guildId);
    if (guild === null) return 0;
    return sqliteCall(() => this.#count.get(guild))?.n ?? 0;
  }

  async update(guildId: string, userId: string, patch: MemberPatch): Promise<MemberRecord | null> {
    this.#state.assertOpen('members.update');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    return sqliteCall(() => this.#update.immediate(guild, user, patch));
  }

  async remove(guildId: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('members.remove');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return false;
    return sqliteCall(() => this.#remove.run(guild, user)).changes === 1;
  }
}

function toParams(member: MemberRecord): MemberParams {
  return {
    guild_id: writeKey(member.guildId, 'member.guildId'),
    user_id: writeKey(member.userId, 'member.userId'),
    nick: member.nick,
    role_ids: encodeList(member.roleIds),
    joined_at: member.joinedAt,
    communication_disabled_until: member.communicationDisabledUntil,
    mute: member.mute ? 1 : 0,
    deaf: member.deaf ? 1 : 0,
  };
}

function toRecord(row: MemberRow): MemberRecord {
  return {
    guildId: row.guild_id,
    userId: row.user_id,
    nick: row.nick,
    roleIds: decodeList<string>(row.role_ids),
    joinedAt: row.joined_at,
    communicationDisabledUntil: row.communication_disabled_until,
    mute: bool(row.mute),
    deaf: bool(row.deaf),
  };
}
