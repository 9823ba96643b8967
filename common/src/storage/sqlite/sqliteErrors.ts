import Database from 'better-sqlite3';
import { commonErrors } from '../../errors/commonErrors.js';

/** Primary result codes that mean "the database cannot serve right now", not "your write is wrong". */
const UNAVAILABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_PROTOCOL',
]);

/**
 * Turns a driver error into the ports' errors: a unique violation becomes STORE_CONFLICT naming the
 * field, an I/O or locking failure STORE_UNAVAILABLE; both keep the driver error as `cause`.
 * Anything else (a SQL bug) is returned unchanged so it surfaces as what it is.
 */
export function toStoreError(err: unknown, fieldOf: (message: string) => string = conflictField): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return commonErrors.create('STORE_CONFLICT', {
      params: { what: fieldOf(err.message) },
      cause: err,
    });
  }
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share their primary code's prefix.
  const primary = err.code.split('_').slice(0, 2).join('_');
  if (UNAVAILABLE.has(primary)) return commonErrors.create('STORE_UNAVAILABLE', { cause: err });
  return err;
}

/**
 * The record field behind "UNIQUE constraint failed: users.username_lower": the column, without a
 * `_lower` suffix, in camelCase (username, email, tokenHash, botUserId, id).
 */
export function conflictField(message: string): string {
  const column = /constraint failed: \w+\.(\w+)/.exec(message)?.[1];
  if (!column) return 'record';
  return column.replace(/_lower$/, '').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Runs a synchronous driver call, translating its errors (naming conflicts with `fieldOf`). */
export function sqliteCall<T>(fn: () => T, fieldOf: (message: string) => string = conflictField): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err, fieldOf);
  }
}
