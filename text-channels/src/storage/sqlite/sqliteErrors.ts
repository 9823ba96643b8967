import { sqliteCall as commonSqliteCall, toSqliteStoreError } from '@driftway/common';

/**
 * The record field a unique index protects, where the column name is not it: a member's primary
 * key is the pair (guild, user), a DM's key stands for its recipients.
 */
const CONFLICT_FIELDS: Record<string, string> = {
  'members.guild_id': 'member',
  'channels.dm_key': 'recipientIds',
};

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

/** Runs a synchronous driver call, translating its errors as the accounts adapter does. */
export function sqliteCall<T>(fn: () => T): T {
  return commonSqliteCall(fn, conflictField);
}

/** A driver error as the ports' errors (STORE_CONFLICT naming the field, STORE_UNAVAILABLE). */
export function toStoreError(err: unknown): unknown {
  return toSqliteStoreError(err, conflictField);
}
