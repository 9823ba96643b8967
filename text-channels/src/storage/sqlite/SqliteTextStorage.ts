import { migrateSqlite, openSqliteDatabase, StorageState } from '@driftway/common';
import type Database from 'better-sqlite3';
import type { TextStorage } from '../ports.js';
import { textMigrations } from './migrations.js';
import { SqliteBanStore } from './SqliteBanStore.js';
import { SqliteCascade } from './SqliteCascade.js';
import { SqliteChannelStore } from './SqliteChannelStore.js';
import { SqliteGuildStore } from './SqliteGuildStore.js';
import { SqliteInviteStore } from './SqliteInviteStore.js';
import { SqliteMemberStore } from './SqliteMemberStore.js';
import { SqliteMessageStore } from './SqliteMessageStore.js';
import { SqliteReactionStore } from './SqliteReactionStore.js';
import { SqliteReadStateStore } from './SqliteReadStateStore.js';
import { SqliteRoleStore } from './SqliteRoleStore.js';
import { conflictField, sqliteCall } from './sqliteErrors.js';

/**
 * The embedded adapter of the text domain: one better-sqlite3 connection per process, its own
 * database file. Calls are synchronous under the async ports, so each runs to completion before
 * another starts; several processes (or instances in one test) may share the file: WAL lets
 * readers run beside a writer, busy_timeout queues writers, and every read-modify-write runs in
 * an IMMEDIATE transaction so it holds the write lock from its first read.
 */
export class SqliteTextStorage implements TextStorage {
  readonly kind = 'sqlite' as const;
  readonly guilds: SqliteGuildStore;
  readonly roles: SqliteRoleStore;
  readonly channels: SqliteChannelStore;
  readonly members: SqliteMemberStore;
  readonly bans: SqliteBanStore;
  readonly invites: SqliteInviteStore;
  readonly messages: SqliteMessageStore;
  readonly reactions: SqliteReactionStore;
  readonly readStates: SqliteReadStateStore;
  readonly #db: Database.Database;
  readonly #state = new StorageState('sqlite');
  readonly #ping: Database.Statement<[], unknown>;
  /** Work the stores finish before the connection closes. */
  readonly #closing: (() => void)[] = [];

  private constructor(db: Database.Database) {
    this.#db = db;
    const cascade = new SqliteCascade(db);
    this.guilds = new SqliteGuildStore(db, this.#state, cascade);
    this.roles = new SqliteRoleStore(db, this.#state);
    this.channels = new SqliteChannelStore(db, this.#state, cascade);
    this.members = new SqliteMemberStore(db, this.#state);
    this.bans = new SqliteBanStore(db, this.#state);
    this.invites = new SqliteInviteStore(db, this.#state);
    this.messages = new SqliteMessageStore(db, this.#state, this.#closing);
    this.reactions = new SqliteReactionStore(db, this.#state);
    this.readStates = new SqliteReadStateStore(db, this.#state);
    this.#ping = db.prepare('SELECT 1');
  }

  /** Opens (creating if needed, with its parent directory) and migrates the database at `path`. */
  static open(path: string): SqliteTextStorage {
    const db = openSqliteDatabase(path, {
      fieldOf: conflictField,
      // Page cache of 64 MiB (negative = KiB) and memory-mapped reads: history pages of a large
      // channel are served from memory once warm.
      tune: (db, inMemory) => {
        db.pragma('cache_size = -65536');
        if (!inMemory) db.pragma('mmap_size = 268435456');
        db.pragma('temp_store = MEMORY');
      },
      migrate: (db) => sqliteCall(() => migrateSqlite(db, textMigrations)),
    });
    return new SqliteTextStorage(db);
  }

  async ping(): Promise<void> {
    this.#state.assertOpen('ping');
    sqliteCall(() => this.#ping.get());
  }

  async close(): Promise<void> {
    if (!this.#state.close()) return;
    // Writes accepted before close() still commit (their callers are awaiting them).
    for (const finish of this.#closing) finish();
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
