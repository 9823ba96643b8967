import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { commonErrors } from '../../errors/commonErrors.js';
import type { Storage } from '../ports.js';
import { StorageState } from '../StorageState.js';
import { migrate } from './migrations.js';
import { SqliteApplicationStore } from './SqliteApplicationStore.js';
import { SqliteBotTokenStore } from './SqliteBotTokenStore.js';
import { SqliteRefreshTokenStore } from './SqliteRefreshTokenStore.js';
import { SqliteUserStore } from './SqliteUserStore.js';
import { sqliteCall, toStoreError } from './sqliteErrors.js';

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
    const inMemory = path === ':memory:' || path === '';
    let db: Database.Database;
    try {
      if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
      db = new Database(path);
    } catch (err) {
      // A path that cannot be created or opened is the database being unavailable, whatever the errno.
      const mapped = toStoreError(err);
      throw mapped === err ? commonErrors.create('STORE_UNAVAILABLE', { cause: err }) : mapped;
    }
    try {
      // busy_timeout first, so that switching to WAL waits for another process's lock too.
      db.pragma('busy_timeout = 5000');
      if (!inMemory) db.pragma('journal_mode = WAL');
      // NORMAL is durable in WAL mode except for the last transactions before a power loss.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      sqliteCall(() => migrate(db));
      return new SqliteStorage(db);
    } catch (err) {
      db.close();
      throw toStoreError(err);
    }
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
