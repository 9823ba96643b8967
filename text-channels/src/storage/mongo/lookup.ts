import { lookupKey, lookupKeys } from '../snowflakeKey.js';

/** The canonical string of an id to look up, or null when it cannot be a stored one (not found). */
export function lookupId(id: string): string | null {
  return lookupKey(id)?.toString() ?? null;
}

/** Canonical strings of the ids worth looking up, duplicates removed. */
export function lookupIds(ids: readonly string[]): string[] {
  return lookupKeys(ids).map(String);
}
