/**
 * Snowflake ids are decimal strings in records but are stored as signed 64-bit integers (SQLite
 * INTEGER, MongoDB int64 via bigint) wherever the database orders or compares them: ids of
 * different digit counts must compare as numbers ("99" < "100"), and integer keys keep the hot
 * indexes small. Both adapters convert through these helpers so they agree on every edge.
 */

/** The largest id a signed 64-bit column holds (Snowflakes reach it around the year 2095). */
export const MAX_KEY = 2n ** 63n - 1n;

const DECIMAL = /^[0-9]{1,20}$/;

/** The key of an id we may have stored, or null for anything that cannot be one (so: not found). */
export function lookupKey(id: string): bigint | null {
  if (!DECIMAL.test(id)) return null;
  const key = BigInt(id);
  return key <= MAX_KEY ? key : null;
}

/** The key of an id being written; a value no adapter can store is a caller bug and throws. */
export function writeKey(id: string, field: string): bigint {
  const key = lookupKey(id);
  if (key === null)
    throw new TypeError(`${field} must be a decimal Snowflake below 2^63, got ${JSON.stringify(id)}`);
  return key;
}

/** writeKey for nullable fields. */
export function writeKeyOrNull(id: string | null, field: string): bigint | null {
  return id === null ? null : writeKey(id, field);
}

/**
 * The key of a paging cursor: any decimal Snowflake up to 2^64 (what routes accept), so it may
 * exceed MAX_KEY: "before" such a cursor means from the newest, "after" it finds nothing. Null
 * when the cursor is not decimal at all: callers answer an empty page.
 */
export function cursorKey(id: string): bigint | null {
  return DECIMAL.test(id) ? BigInt(id) : null;
}

/**
 * An exclusive lower bound ("after") as a storable key: above MAX_KEY it is clamped to MAX_KEY,
 * which nothing is greater than, so the answer is still "nothing after it". Null as cursorKey.
 */
export function afterKey(id: string): bigint | null {
  const key = cursorKey(id);
  return key !== null && key > MAX_KEY ? MAX_KEY : key;
}

/** Valid lookup keys of `ids`, duplicates removed (unknown or malformed ids are simply not found). */
export function lookupKeys(ids: readonly string[]): bigint[] {
  const keys = new Set<bigint>();
  for (const id of ids) {
    const key = lookupKey(id);
    if (key !== null) keys.add(key);
  }
  return [...keys];
}

/** Orders decimal Snowflake strings numerically (a shorter string is the smaller number). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
