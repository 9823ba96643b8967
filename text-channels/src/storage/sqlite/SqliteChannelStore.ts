import { pickPatch, type StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import { dmKey } from '../dmKey.js';
import type { ChannelStore } from '../ports.js';
import {
  type ChannelRecord,
  ChannelType,
  type ChannelTypeValue,
  type PermissionOverwrite,
} from '../records.js';
import { lookupKey, writeKey, writeKeyOrNull } from '../snowflakeKey.js';
import { CHANNEL_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { bool, decodeList, encodeList } from './json.js';
import type { SqliteCascade } from './SqliteCascade.js';
import { sqliteCall } from './sqliteErrors.js';

interface ChannelRow {
  id: string;
  guild_id: string | null;
  type: number;
  name: string | null;
  topic: string | null;
  position: number;
  parent_id: string | null;
  nsfw: number;
  rate_limit_per_user: number;
  bitrate: number | null;
  user_limit: number | null;
  permission_overwrites: string | null;
  recipient_ids: string | null;
  last_message_id: string | null;
  last_pin_timestamp: number | null;
  created_at: number;
}

interface ChannelParams {
  id: bigint;
  guild_id: bigint | null;
  type: number;
  name: string | null;
  topic: string | null;
  position: number;
  parent_id: bigint | null;
  nsfw: number;
  rate_limit_per_user: number;
  bitrate: number | null;
  user_limit: number | null;
  permission_overwrites: string | null;
  recipient_ids: string | null;
  dm_key: string | null;
  last_message_id: bigint | null;
  last_pin_timestamp: number | null;
  created_at: number;
}

type ChannelPatch = Parameters<ChannelStore['update']>[1];

const COLUMNS = `CAST(c.id AS TEXT) AS id, CAST(c.guild_id AS TEXT) AS guild_id, c.type, c.name, c.topic,
  c.position, CAST(c.parent_id AS TEXT) AS parent_id, c.nsfw, c.rate_limit_per_user, c.bitrate, c.user_limit,
  c.permission_overwrites, c.recipient_ids, CAST(c.last_message_id AS TEXT) AS last_message_id,
  c.last_pin_timestamp, c.created_at`;
/** recipientIds are fixed when a DM is created (they are its identity: see dmKey). */

export class SqliteChannelStore implements ChannelStore {
  readonly #state: StorageState;
  readonly #create: { immediate(params: ChannelParams): void };
  readonly #byId: Statement<[bigint], ChannelRow>;
  readonly #byGuild: Statement<[bigint], ChannelRow>;
  readonly #byDmKey: Statement<[string], ChannelRow>;
  readonly #dmsOf: Statement<[bigint], ChannelRow>;
  readonly #write: Statement<[ChannelParams]>;
  readonly #update: { immediate(id: bigint, patch: ChannelPatch): ChannelRecord | null };
  readonly #delete: { immediate(id: bigint): boolean };

  constructor(db: Database, state: StorageState, cascade: SqliteCascade) {
    this.#state = state;
    const insert = db.prepare<[ChannelParams]>(
      `INSERT INTO channels (id, guild_id, type, name, topic, position, parent_id, nsfw, rate_limit_per_user,
          bitrate, user_limit, permission_overwrites, recipient_ids, dm_key, last_message_id,
          last_pin_timestamp, created_at)
        VALUES (@id, @guild_id, @type, @name, @topic, @position, @parent_id, @nsfw, @rate_limit_per_user,
          @bitrate, @user_limit, @permission_overwrites, @recipient_ids, @dm_key, @last_message_id,
          @last_pin_timestamp, @created_at)`,
    );
    const insertRecipient = db.prepare<[bigint, bigint]>(
      'INSERT OR IGNORE INTO dm_recipients (user_id, channel_id) VALUES (?, ?)',
    );
    this.#create = db.transaction((params: ChannelParams) => {
      insert.run(params);
      if (params.type !== ChannelType.DM) return;
      for (const userId of decodeList<string>(params.recipient_ids)) {
        insertRecipient.run(writeKey(userId, 'channel.recipientIds[]'), params.id);
      }
    });
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM channels c WHERE c.id = ?`);
    this.#byGuild = db.prepare(
      `SELECT ${COLUMNS} FROM channels c WHERE c.guild_id = ? ORDER BY c.position, c.id`,
    );
    this.#byDmKey = db.prepare(`SELECT ${COLUMNS} FROM channels c WHERE c.dm_key = ?`);
    this.#dmsOf = db.prepare(
      `SELECT ${COLUMNS} FROM dm_recipients r JOIN channels c ON c.id = r.channel_id
        WHERE r.user_id = ? ORDER BY r.channel_id DESC`,
    );
    this.#write = db.prepare(
      `UPDATE channels SET name = @name, topic = @topic, position = @position, parent_id = @parent_id,
        nsfw = @nsfw, rate_limit_per_user = @rate_limit_per_user, bitrate = @bitrate, user_limit = @user_limit,
        permission_overwrites = @permission_overwrites, last_message_id = @last_message_id,
        last_pin_timestamp = @last_pin_timestamp WHERE id = @id`,
    );
    this.#update = db.transaction((id: bigint, patch: ChannelPatch) => {
      const row = this.#byId.get(id);
      if (!row) return null;
      const next: ChannelRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run(toParams(next));
      return next;
    });
    this.#delete = db.transaction((id: bigint) => cascade.deleteChannel(id));
  }

  async create(channel: ChannelRecord): Promise<void> {
    this.#state.assertOpen('channels.create');
    const params = toParams(channel);
    sqliteCall(() => this.#create.immediate(params));
  }

  async get(id: string): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.get');
    const key = lookupKey(id);
    if (key === null) return null;
    const row = sqliteCall(() => this.#byId.get(key));
    return row ? toRecord(row) : null;
  }

  async listByGuild(guildId: string): Promise<ChannelRecord[]> {
    this.#state.assertOpen('channels.listByGuild');
    const key = lookupKey(guildId);
    if (key === null) return [];
    return sqliteCall(() => this.#byGuild.all(key)).map(toRecord);
  }

  async findDm(userA: string, userB: string): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.findDm');
    const a = lookupKey(userA);
    const b = lookupKey(userB);
    if (a === null || b === null) return null;
    const row = sqliteCall(() => this.#byDmKey.get(dmKey([a.toString(), b.toString()])));
    return row ? toRecord(row) : null;
  }

  async listDmsForUser(userId: string): Promise<ChannelRecord[]> {
    this.#state.assertOpen('channels.listDmsForUser');
    const key = lookupKey(userId);
    if (key === null) return [];
    return sqliteCall(() => this.#dmsOf.all(key)).map(toRecord);
  }

  async update(id: string, patch: ChannelPatch): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.update');
    const key = lookupKey(id);
    if (key === null) return null;
    return sqliteCall(() => this.#update.immediate(key, patch));
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('channels.delete');
    const key = lookupKey(id);
    if (key === null) return false;
    return sqliteCall(() => this.#delete.immediate(key));
  }
}

function toParams(channel: ChannelRecord): ChannelParams {
  const recipients = channel.recipientIds.map((id) => writeKey(id, 'channel.recipientIds[]').toString());
  return {
    id: writeKey(channel.id, 'channel.id'),
    guild_id: writeKeyOrNull(channel.guildId, 'channel.guildId'),
    type: channel.type,
    name: channel.name,
    topic: channel.topic,
    position: channel.position,
    parent_id: writeKeyOrNull(channel.parentId, 'channel.parentId'),
    nsfw: channel.nsfw ? 1 : 0,
    rate_limit_per_user: channel.rateLimitPerUser,
    bitrate: channel.bitrate,
    user_limit: channel.userLimit,
    permission_overwrites: encodeList(channel.permissionOverwrites),
    recipient_ids: encodeList(recipients),
    dm_key: channel.type === ChannelType.DM ? dmKey(recipients) : null,
    last_message_id: writeKeyOrNull(channel.lastMessageId, 'channel.lastMessageId'),
    last_pin_timestamp: channel.lastPinTimestamp,
    created_at: channel.createdAt,
  };
}

function toRecord(row: ChannelRow): ChannelRecord {
  return {
    id: row.id,
    guildId: row.guild_id,
    type: row.type as ChannelTypeValue,
    name: row.name,
    topic: row.topic,
    position: row.position,
    parentId: row.parent_id,
    nsfw: bool(row.nsfw),
    rateLimitPerUser: row.rate_limit_per_user,
    bitrate: row.bitrate,
    userLimit: row.user_limit,
    permissionOverwrites: decodeList<PermissionOverwrite>(row.permission_overwrites),
    recipientIds: decodeList<string>(row.recipient_ids),
    lastMessageId: row.last_message_id,
    lastPinTimestamp: row.last_pin_timestamp,
    createdAt: row.created_at,
  };
}
