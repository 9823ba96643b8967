/**
 * Normalisations both adapters apply identically, in JavaScript rather than in the database, so
 * that "case-insensitive" means the same thing everywhere (SQLite's lower() only folds ASCII).
 */

/** The key usernames are unique and looked up by. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** Emails are stored and compared lower-cased. */
export function normalizeEmail(email: string): string;
export function normalizeEmail(email: string | null): string | null;
export function normalizeEmail(email: string | null): string | null {
  return email === null ? null : email.toLowerCase();
}

/**
 * The entries of a partial update that may be applied: only `allowed` keys (the port's type allows
 * no others, but a caller's object may carry more at run time) and never `undefined` values, which
 * a spread would otherwise write over real data.
 */
export function pickPatch<T extends object, K extends keyof T>(
  patch: T,
  allowed: readonly K[],
): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of allowed) {
    if (Object.hasOwn(patch, key) && patch[key] !== undefined) picked[key] = patch[key];
  }
  return picked;
}
