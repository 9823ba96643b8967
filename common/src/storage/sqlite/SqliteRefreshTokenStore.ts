import type { Database, Statement } from 'better-sqlite3';
import type { RefreshTokenStore } from '../ports.js';
import type { RefreshTokenRecord, RevokedFamilyRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { sqliteCall } from './sqliteErrors.js';

interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

const COLUMNS = 'id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at';

export class SqliteRefreshTokenStore implements RefreshTokenStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[RefreshTokenRow]>;
  readonly #byHash: Statement<[string], RefreshTokenRow>;
  readonly #revokedSince: Statement<[number, number], { family_id: string; last_revoked_at: number }>;
  readonly #markUsed: Statement<[number, string]>;
  readonly #revokeFamily: Statement<[number, string]>;
  readonly #revokeUser: Statement<[number, string]>;
  readonly #deleteExpired: Statement<[number]>;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO refresh_tokens (${COLUMNS}) VALUES (@id, @family_id, @user_id, @token_hash, @created_at,
        @expires_at, @used_at, @revoked_at)`,
    );
    this.#byHash = db.prepare(`SELECT ${COLUMNS} FROM refresh_tokens WHERE token_hash = ?`);
    // INDEXED BY because the planner, left alone, walks all of family_id's index for the GROUP BY
    // (a full scan, even after ANALYZE) instead of the small range of recent revocations.
    this.#revokedSince = db.prepare(
      `SELECT family_id, MAX(revoked_at) AS last_revoked_at
        FROM refresh_tokens INDEXED BY refresh_tokens_revoked_at WHERE revoked_at >= ?
        GROUP BY family_id ORDER BY last_revoked_at DESC, family_id LIMIT ?`,
    );
    // The WHERE clause is the atomicity: of two rotations of one token only one row update happens.
    this.#markUsed = db.prepare(
      'UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
    );
    this.#revokeFamily = db.prepare(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
    );
    this.#revokeUser = db.prepare(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
    );
    this.#deleteExpired = db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?');
  }

  async create(token: RefreshTokenRecord): Promise<void> {
    this.#state.assertOpen('refreshTokens.create');
    sqliteCall(() =>
      this.#insert.run({
        id: token.id,
        family_id: token.familyId,
        user_id: token.userId,
        token_hash: token.tokenHash,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: token.usedAt,
        revoked_at: token.revokedAt,
      }),
    );
  }

  async getByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    this.#state.assertOpen('refreshTokens.getByHash');
    const row = sqliteCall(() => this.#byHash.get(tokenHash));
    return row ? toRecord(row) : null;
  }

  async listRevokedSince(since: number, limit: number): Promise<RevokedFamilyRecord[]> {
    this.#state.assertOpen('refreshTokens.listRevokedSince');
    return sqliteCall(() => this.#revokedSince.all(since, limit)).map((row) => ({
      familyId: row.family_id,
      revokedAt: row.last_revoked_at,
    }));
  }

  async markUsed(id: string, at: number): Promise<boolean> {
    this.#state.assertOpen('refreshTokens.markUsed');
    return sqliteCall(() => this.#markUsed.run(at, id)).changes === 1;
  }

  async revokeFamily(familyId: string, at: number): Promise<number> {
    this.#state.assertOpen('refreshTokens.revokeFamily');
    return sqliteCall(() => this.#revokeFamily.run(at, familyId)).changes;
  }

  async revokeAllForUser(userId: string, at: number): Promise<number> {
    this.#state.assertOpen('refreshTokens.revokeAllForUser');
    return sqliteCall(() => this.#revokeUser.run(at, userId)).changes;
  }

  async deleteExpired(before: number): Promise<number> {
    this.#state.assertOpen('refreshTokens.deleteExpired');
    return sqliteCall(() => this.#deleteExpired.run(before)).changes;
  }
}

function toRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}
