import type { Database } from 'better-sqlite3';

/**
 * The SQLite schema as an ordered list of migrations; `PRAGMA user_version` records the last one
 * applied. Later issues append (guilds, channels, messages, ...) and never edit a released entry.
 *
 * There are no FOREIGN KEY clauses on purpose: the MongoDB adapter cannot enforce them, and both
 * adapters must behave the same under the one contract suite. Cleaning up dependent rows (e.g. a
 * deleted user's tokens) is the service's job. `foreign_keys=ON` is still set so a later table
 * that does declare one gets it enforced.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database) => void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'users, refresh tokens, applications and bot tokens',
    up: (db) =>
      db.exec(`
        CREATE TABLE users (
          id TEXT PRIMARY KEY,
          username TEXT NOT NULL,
          username_lower TEXT NOT NULL,
          global_name TEXT,
          email TEXT,
          password_hash TEXT,
          bot INTEGER NOT NULL,
          avatar TEXT,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX users_username_lower ON users (username_lower);
        -- NULL emails (bots) never collide: SQLite treats NULLs as distinct in a unique index.
        CREATE UNIQUE INDEX users_email ON users (email);

        CREATE TABLE refresh_tokens (
          id TEXT PRIMARY KEY,
          family_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          token_hash TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at INTEGER,
          revoked_at INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX refresh_tokens_token_hash ON refresh_tokens (token_hash);
        CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
        CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
        CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

        CREATE TABLE applications (
          id TEXT PRIMARY KEY,
          owner_id TEXT NOT NULL,
          name TEXT NOT NULL,
          description TEXT NOT NULL,
          bot_user_id TEXT NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX applications_owner_id ON applications (owner_id, created_at);
        CREATE UNIQUE INDEX applications_bot_user_id ON applications (bot_user_id);

        CREATE TABLE bot_tokens (
          id TEXT PRIMARY KEY,
          application_id TEXT NOT NULL,
          bot_user_id TEXT NOT NULL,
          token_hash TEXT NOT NULL,
          scopes TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        ) STRICT;
        CREATE UNIQUE INDEX bot_tokens_token_hash ON bot_tokens (token_hash);
        CREATE INDEX bot_tokens_application_id ON bot_tokens (application_id, created_at);
        CREATE INDEX bot_tokens_bot_user_id ON bot_tokens (bot_user_id);
      `),
  },
  {
    version: 2,
    description: 'index of revoked refresh tokens, for reloading recent session revocations at start-up',
    // Partial: only revoked rows are indexed, and `revoked_at >= ?` implies the index's condition.
    // family_id is in the key so the reload reads the index alone, never the table.
    up: (db) =>
      db.exec(`
        CREATE INDEX refresh_tokens_revoked_at ON refresh_tokens (revoked_at, family_id)
          WHERE revoked_at IS NOT NULL;
      `),
  },
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

/**
 * Brings the database up to LATEST_SCHEMA_VERSION. Runs in one IMMEDIATE transaction that re-reads
 * the version inside it, so two processes opening a new file at once cannot both migrate. A
 * database newer than this build is refused rather than written by code that does not know it.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`sqlite migrations must be numbered 1..n in order; entry ${i} is ${m.version}`);
  });
  const latest = list.at(-1)?.version ?? 0;
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new Error(
        `sqlite database schema version ${current} is newer than this build supports (${latest}); ` +
          'refusing to open it',
      );
    }
    for (const m of list) {
      if (m.version <= current) continue;
      m.up(db);
      // Inside the transaction on purpose: the version moves only if the migration committed.
      db.pragma(`user_version = ${m.version}`);
    }
  });
  run.immediate();
}
