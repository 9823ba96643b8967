import type { Collection } from 'mongodb';
import type { RefreshTokenStore } from '../ports.js';
import type { RefreshTokenRecord, RevokedFamilyRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { type RefreshTokenDoc, refreshTokenFromDoc, refreshTokenToDoc } from './documents.js';
import { mongoCall } from './mongoErrors.js';

export class MongoRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens: Collection<RefreshTokenDoc>;
  readonly #state: StorageState;

  constructor(tokens: Collection<RefreshTokenDoc>, state: StorageState) {
    this.#tokens = tokens;
    this.#state = state;
  }

  async create(token: RefreshTokenRecord): Promise<void> {
    await mongoCall(this.#state, 'refreshTokens.create', () =>
      this.#tokens.insertOne(refreshTokenToDoc(token)),
    );
  }

  async getByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const doc = await mongoCall(this.#state, 'refreshTokens.getByHash', () =>
      this.#tokens.findOne({ tokenHash }),
    );
    return doc ? refreshTokenFromDoc(doc) : null;
  }

  async listRevokedSince(since: number, limit: number): Promise<RevokedFamilyRecord[]> {
    // The $match is a range on the revoked_at_family_id index, so only the window is grouped.
    const docs = await mongoCall(this.#state, 'refreshTokens.listRevokedSince', () =>
      this.#tokens
        .aggregate<{ _id: string; revokedAt: number }>([
          { $match: { revokedAt: { $gte: since } } },
          { $group: { _id: '$familyId', revokedAt: { $max: '$revokedAt' } } },
          { $sort: { revokedAt: -1, _id: 1 } },
          { $limit: limit },
        ])
        .toArray(),
    );
    return docs.map((doc) => ({ familyId: doc._id, revokedAt: doc.revokedAt }));
  }

  async markUsed(id: string, at: number): Promise<boolean> {
    // A single-document update is atomic: the filter and the write cannot interleave with another
    // rotation, so exactly one concurrent caller sees modifiedCount 1.
    const result = await mongoCall(this.#state, 'refreshTokens.markUsed', () =>
      this.#tokens.updateOne({ _id: id, usedAt: null, revokedAt: null }, { $set: { usedAt: at } }),
    );
    return result.modifiedCount === 1;
  }

  async revokeFamily(familyId: string, at: number): Promise<number> {
    const result = await mongoCall(this.#state, 'refreshTokens.revokeFamily', () =>
      this.#tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } }),
    );
    return result.modifiedCount;
  }

  async revokeAllForUser(userId: string, at: number): Promise<number> {
    const result = await mongoCall(this.#state, 'refreshTokens.revokeAllForUser', () =>
      this.#tokens.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: at } }),
    );
    return result.modifiedCount;
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await mongoCall(this.#state, 'refreshTokens.deleteExpired', () =>
      this.#tokens.deleteMany({ expiresAt: { $lt: before } }),
    );
    return result.deletedCount;
  }
}
