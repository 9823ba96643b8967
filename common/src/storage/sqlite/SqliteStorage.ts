import type Database from 'better-sqlite3';
import type { Storage } from '../ports.js';
import { StorageState } from '../StorageState.js';
import { migrate } from './migrations.js';
import { openSqliteDatabase } from './openSqliteDatabase.js';
import { SqliteApplicationStore } from './SqliteApplicationStore.js';
import { SqliteBotTokenStore } from './SqliteBotTokenStore.js';
import { SqliteRefreshTokenStore } from './SqliteRefreshTokenStore.js';
import { SqliteUserStore } from './SqliteUserStore.js';
import { sqliteCall } from './sqliteErrors.js';

/**
 * The embedded adapter: one better-sqlite3 connection per process. Calls are synchronous under
 * the async ports, so each statement runs to completion before another starts; across processes
 * sharing a file, WAL lets readers proceed during a write and busy_timeout queues writers.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly users: SqliteUserStore;
  readonly refreshTokens: SqliteRefreshTokenStore;
  readonly applications: SqliteApplicationStore;
  readonly botTokens: SqliteBotTokenStore;
  readonly #db: Database.Database;
  readonly #state = new StorageState('sqlite');
  readonly #ping: Database.Statement<[], unknown>;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.users = new SqliteUserStore(db, this.#state);
    this.refreshTokens = new SqliteRefreshTokenStore(db, this.#state);
    this.applications = new SqliteApplicationStore(db, this.#state);
    this.botTokens = new SqliteBotTokenStore(db, this.#state);
    this.#ping = db.prepare('SELECT 1');
  }

  /** Opens (creating if needed, with its parent directory) and migrates the database at `path`. */
  static open(path: string): SqliteStorage {
    return new SqliteStorage(openSqliteDatabase(path, { migrate: (db) => sqliteCall(() => migrate(db)) }));
  }

  async ping(): Promise<void> {
    this.#state.assertOpen('ping');
    sqliteCall(() => this.#ping.get());
  }

  async close(): Promise<void> {
    if (!this.#state.close()) return;
    try {
      // Lets SQLite refresh planner statistics it found useful during this connection. Best
      // effort: failing to optimise must not stop the connection from closing.
      this.#db.pragma('optimize');
    } catch {
      // Nothing to do: the close below is what matters.
    }
    this.#db.close();
  }
}
