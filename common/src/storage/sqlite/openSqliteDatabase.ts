import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { commonErrors } from '../../errors/commonErrors.js';
import { conflictField, toStoreError } from './sqliteErrors.js';

export interface SqliteOpenOptions {
  /** Brings the schema up to date; runs after the pragmas, and a failure closes the connection. */
  migrate: (db: Database.Database) => void;
  /** Extra pragmas of one database (cache size, mmap). */
  tune?: (db: Database.Database, inMemory: boolean) => void;
  /** Names the record field behind a unique-constraint message (see sqliteErrors.ts). */
  fieldOf?: (message: string) => string;
}

/**
 * Opens (creating it and its parent directory if needed), configures and migrates a SQLite
 * database the same way for every adapter. Errors come out as the ports' errors: a path that
 * cannot be created or opened is the database being unavailable, whatever the errno.
 */
export function openSqliteDatabase(path: string, options: SqliteOpenOptions): Database.Database {
  const fieldOf = options.fieldOf ?? conflictField;
  const inMemory = path === ':memory:' || path === '';
  let db: Database.Database;
  try {
    if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
    db = new Database(path);
  } catch (err) {
    const mapped = toStoreError(err, fieldOf);
    throw mapped === err ? commonErrors.create('STORE_UNAVAILABLE', { cause: err }) : mapped;
  }
  try {
    // busy_timeout first, so that switching to WAL waits for another process's lock too.
    db.pragma('busy_timeout = 5000');
    if (!inMemory) db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is an append to the WAL without fsync; durable against a
    // process crash (SIGKILL), and only the last commits before a power loss may be lost.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    options.tune?.(db, inMemory);
    options.migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, fieldOf);
  }
}
