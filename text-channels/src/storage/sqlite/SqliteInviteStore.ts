import type { StorageState } from '@driftway/common';
import type { Database, Statement } from 'better-sqlite3';
import type { InviteStore } from '../ports.js';
import type { InviteRecord } from '../records.js';
import { lookupKey, writeKey } from '../snowflakeKey.js';
import { bool } from './json.js';
import { sqliteCall } from './sqliteErrors.js';

interface InviteRow {
  code: string;
  guild_id: string;
  channel_id: string;
  inviter_id: string;
  max_age: number;
  max_uses: number;
  uses: number;
  temporary: number;
  created_at: number;
  expires_at: number | null;
}

interface InviteParams {
  code: string;
  guild_id: bigint;
  channel_id: bigint;
  inviter_id: bigint;
  max_age: number;
  max_uses: number;
  uses: number;
  temporary: number;
  created_at: number;
  expires_at: number | null;
}

const COLUMNS = `code, CAST(guild_id AS TEXT) AS guild_id, CAST(channel_id AS TEXT) AS channel_id,
  CAST(inviter_id AS TEXT) AS inviter_id, max_age, max_uses, uses, temporary, created_at, expires_at`;

export class SqliteInviteStore implements InviteStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[InviteParams]>;
  readonly #get: Statement<[string], InviteRow>;
  readonly #byGuild: Statement<[bigint], InviteRow>;
  readonly #byChannel: Statement<[bigint], InviteRow>;
  readonly #use: Statement<[{ code: string; now: number }], InviteRow>;
  readonly #delete: Statement<[string]>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO invites (code, guild_id, channel_id, inviter_id, max_age, max_uses, uses, temporary,
          created_at, expires_at)
        VALUES (@code, @guild_id, @channel_id, @inviter_id, @max_age, @max_uses, @uses, @temporary,
          @created_at, @expires_at)`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE code = ?`);
    this.#byGuild = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE guild_id = ? ORDER BY created_at, code`);
    this.#byChannel = db.prepare(
      `SELECT ${COLUMNS} FROM invites WHERE channel_id = ? ORDER BY created_at, code`,
    );
    // One statement: the check and the increment cannot be separated by another use, in this
    // connection or another one on the same file (the UPDATE holds the write lock).
    this.#use = db.prepare(
      `UPDATE invites SET uses = uses + 1
        WHERE code = @code
          AND (max_uses = 0 OR uses < max_uses)
          AND (expires_at IS NULL OR expires_at > @now)
        RETURNING ${COLUMNS}`,
    );
    this.#delete = db.prepare('DELETE FROM invites WHERE code = ?');
  }

  async create(invite: InviteRecord): Promise<void> {
    this.#state.assertOpen('invites.create');
    const params: InviteParams = {
      code: invite.code,
      guild_id: writeKey(invite.guildId, 'invite.guildId'),
      channel_id: writeKey(invite.channelId, 'invite.channelId'),
      inviter_id: writeKey(invite.inviterId, 'invite.inviterId'),
      max_age: invite.maxAge,
      max_uses: invite.maxUses,
      uses: invite.uses,
      temporary: invite.temporary ? 1 : 0,
      created_at: invite.createdAt,
      expires_at: invite.expiresAt,
    };
    sqliteCall(() => this.#insert.run(params));
  }

  async get(code: string): Promise<InviteRecord | null> {
    this.#state.assertOpen('invites.get');
    const row = sqliteCall(() => this.#get.get(code));
    return row ? toRecord(row) : null;
  }

  async listByGuild(guildId: string): Promise<InviteRecord[]> {
    this.#state.assertOpen('invites.listByGuild');
    const guild = lookupKey(guildId);
    if (guild === null) return [];
    return sqliteCall(() => this.#byGuild.all(guild)).map(toRecord);
  }

  async listByChannel(channelId: string): Promise<InviteRecord[]> {
    this.#state.assertOpen('invites.listByChannel');
    const channel = lookupKey(channelId);
    if (channel === null) return [];
    return sqliteCall(() => this.#byChannel.all(channel)).map(toRecord);
  }

  async use(code: string, now: number): Promise<InviteRecord | null> {
    this.#state.assertOpen('invites.use');
    const row = sqliteCall(() => this.#use.get({ code, now }));
    return row ? toRecord(row) : null;
  }

  async delete(code: string): Promise<boolean> {
    this.#state.assertOpen('invites.delete');
    return sqliteCall(() => this.#delete.run(code)).changes === 1;
  }
}

function toRecord(row: InviteRow): InviteRecord {
  return {
    code: row.code,
    guildId: row.guild_id,
    channelId: row.channel_id,
    inviterId: row.inviter_id,
    maxAge: row.max_age,
    maxUses: row.max_uses,
    uses: row.uses,
    temporary: bool(row.temporary),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
