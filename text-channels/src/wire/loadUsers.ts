import type { Storage, UserRecord } from '@driftway/common';

/** Loads the accounts of these users in one query (duplicates and unknown ids are fine). */
export async function loadUsers(accounts: Storage, ids: Iterable<string>): Promise<Map<string, UserRecord>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const users = await accounts.users.getMany(unique);
  return new Map(users.map((u) => [u.id, u]));
}
