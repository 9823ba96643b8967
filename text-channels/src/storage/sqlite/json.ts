/**
 * JSON columns. An empty array is stored as NULL: most messages have no mentions, attachments or
 * embeds, and NULL costs neither space nor a JSON.parse when a page of history is read.
 */

export function encodeList(values: readonly unknown[]): string | null {
  return values.length === 0 ? null : JSON.stringify(values);
}

export function decodeList<T>(text: string | null): T[] {
  return text === null ? [] : (JSON.parse(text) as T[]);
}

export function encodeJson(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

export function decodeJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** SQLite has no boolean: 0/1 integers. */
export function bool(value: number): boolean {
  return value === 1;
}

/**
 * A JSON array of integers for `IN (SELECT value FROM json_each(?))`: written by hand because
 * JSON.stringify cannot write a bigint, and json_each reads such literals as exact 64-bit integers.
 */
export function keyList(keys: readonly bigint[]): string {
  return `[${keys.join(',')}]`;
}
