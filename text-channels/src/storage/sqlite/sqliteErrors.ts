import { commonErrors } from '@driftway/common';
import Database from 'better-sqlite3';

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
 * The record field a unique index protects, where the column name is not it: a member's primary
 * key is the pair (guild, user), a DM's key stands for its recipients.
 */
const CONFLICT_FIELDS: Record<string, string> = {
  'members.guild_id': 'member',
  'channels.dm_key': 'recipientIds',
};

/**
 * Turns a driver error into the ports' errors, as the accounts adapter does: a unique violation
 * becomes STORE_CONFLICT naming the field, an I/O or locking failure STORE_UNAVAILABLE; both keep
 * the driver error as `cause`. Anything else (a SQL bug) is returned unchanged.
 */
export function toStoreError(err: unknown): unknown {
  if (!(err instanceof Database.SqliteError)) return err;
  if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return commonErrors.create('STORE_CONFLICT', {
      params: { what: conflictField(err.message) },
      cause: err,
    });
  }
  // Extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share their primary code's prefix.
  const primary = err.code.split('_').slice(0, 2).join('_');
  if (UNAVAILABLE.has(primary)) return commonErrors.create('STORE_UNAVAILABLE', { cause: err });
  return err;
}

/**
 * The record field behind "UNIQUE constraint failed: invites.code" (first column of the index):
 * an entry of CONFLICT_FIELDS, else the column in camelCase.
 */
export function conflictField(message: string): string {
  const match = /constraint failed: (\w+)\.(\w+)/.exec(message);
  if (!match) return 'record';
  const [, table, column] = match as unknown as [string, string, string];
  return (
    CONFLICT_FIELDS[`${table}.${column}`] ?? column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
  );
}

/** Runs a synchronous driver call, translating its errors. */
export function sqliteCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
