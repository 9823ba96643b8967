import type { Database, Statement } from 'better-sqlite3';
import { byCreation } from '../byCreation.js';
import type { BotTokenStore } from '../ports.js';
import type { BotTokenRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { sqliteCall } from './sqliteErrors.js';

interface BotTokenRow {
  id: string;
  application_id: string;
  bot_user_id: string;
  token_hash: string;
  /** JSON array of scope strings. */
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, application_id, bot_user_id, token_hash, scopes, created_at, revoked_at';

export class SqliteBotTokenStore implements BotTokenStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[BotTokenRow]>;
  readonly #byHash: Statement<[string], BotTokenRow>;
  readonly #byId: Statement<[string], BotTokenRow>;
  readonly #byApplication: Statement<[string], BotTokenRow>;
  readonly #revoke: Statement<[number, string]>;
  readonly #revokeAll: Statement<[number, string], { id: string; created_at: number }>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO bot_tokens (${COLUMNS}) VALUES (@id, @application_id, @bot_user_id, @token_hash, @scopes,
        @created_at, @revoked_at)`,
    );
    this.#byHash = db.prepare(`SELECT ${COLUMNS} FROM bot_tokens WHERE token_hash = ?`);
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM bot_tokens WHERE id = ?`);
    this.#byApplication = db.prepare(
      `SELECT ${COLUMNS} FROM bot_tokens WHERE application_id = ? ORDER BY created_at, length(id), id`,
    );
    this.#revoke = db.prepare('UPDATE bot_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    // RETURNING reports exactly the rows this statement changed, so already-revoked ids are never listed.
    this.#revokeAll = db.prepare(
      `UPDATE bot_tokens SET revoked_at = ? WHERE application_id = ? AND revoked_at IS NULL
        RETURNING id, created_at`,
    );
  }

  async create(token: BotTokenRecord): Promise<void> {
    this.#state.assertOpen('botTokens.create');
    sqliteCall(() =>
      this.#insert.run({
        id: token.id,
        application_id: token.applicationId,
        bot_user_id: token.botUserId,
        token_hash: token.tokenHash,
        scopes: JSON.stringify(token.scopes),
        created_at: token.createdAt,
        revoked_at: token.revokedAt,
      }),
    );
  }

  async getByHash(tokenHash: string): Promise<BotTokenRecord | null> {
    this.#state.assertOpen('botTokens.getByHash');
    const row = sqliteCall(() => this.#byHash.get(tokenHash));
    return row ? toRecord(row) : null;
  }

  async getById(id: string): Promise<BotTokenRecord | null> {
    this.#state.assertOpen('botTokens.getById');
    const row = sqliteCall(() => this.#byId.get(id));
    return row ? toRecord(row) : null;
  }

  async listByApplication(applicationId: string): Promise<BotTokenRecord[]> {
    this.#state.assertOpen('botTokens.listByApplication');
    return sqliteCall(() => this.#byApplication.all(applicationId)).map(toRecord);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    this.#state.assertOpen('botTokens.revoke');
    return sqliteCall(() => this.#revoke.run(at, id)).changes === 1;
  }

  async revokeAllForApplication(applicationId: string, at: number): Promise<string[]> {
    this.#state.assertOpen('botTokens.revokeAllForApplication');
    const rows = sqliteCall(() => this.#revokeAll.all(at, applicationId));
    // RETURNING's order is unspecified; report oldest first like every other list.
    return rows
      .map((r) => ({ id: r.id, createdAt: r.created_at }))
      .sort(byCreation)
      .map((r) => r.id);
  }
}

function toRecord(row: BotTokenRow): BotTokenRecord {
  return {
    id: row.id,
    applicationId: row.application_id,
    botUserId: row.bot_user_id,
    tokenHash: row.token_hash,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
