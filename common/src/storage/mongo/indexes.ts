import type { IndexDescription } from 'mongodb';
import { COLLECTIONS } from './documents.js';

/**
 * Indexes created at start (createIndexes is a no-op for an index that already exists with the
 * same definition). Later issues append entries for their collections. Unique indexes are what
 * turn a duplicate into error 11000, which mongoErrors.ts maps to STORE_CONFLICT.
 */
export const mongoIndexes: Record<string, IndexDescription[]> = {
  [COLLECTIONS.users]: [
    { key: { usernameLower: 1 }, name: 'username_unique', unique: true },
    // Bots have no email: only string emails take part in the uniqueness.
    {
      key: { email: 1 },
      name: 'email_unique',
      unique: true,
      partialFilterExpression: { email: { $type: 'string' } },
    },
  ],
  [COLLECTIONS.refreshTokens]: [
    { key: { tokenHash: 1 }, name: 'token_hash_unique', unique: true },
    { key: { familyId: 1 }, name: 'family_id' },
    { key: { userId: 1 }, name: 'user_id' },
    { key: { expiresAt: 1 }, name: 'expires_at' },
    // listRevokedSince: a range on revokedAt; familyId too, so the group needs no document fetch.
    { key: { revokedAt: 1, familyId: 1 }, name: 'revoked_at_family_id' },
  ],
  [COLLECTIONS.applications]: [
    // Serves listByOwner's filter and its createdAt sort.
    { key: { ownerId: 1, createdAt: 1 }, name: 'owner_id_created_at' },
    { key: { botUserId: 1 }, name: 'bot_user_id_unique', unique: true },
  ],
  [COLLECTIONS.botTokens]: [
    { key: { tokenHash: 1 }, name: 'token_hash_unique', unique: true },
    { key: { applicationId: 1, createdAt: 1 }, name: 'application_id_created_at' },
    { key: { botUserId: 1 }, name: 'bot_user_id' },
  ],
};
