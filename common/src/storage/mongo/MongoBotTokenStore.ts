import type { Collection } from 'mongodb';
import { byCreation } from '../byCreation.js';
import type { BotTokenStore } from '../ports.js';
import type { BotTokenRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { type BotTokenDoc, botTokenFromDoc, botTokenToDoc } from './documents.js';
import { mongoCall } from './mongoErrors.js';

export class MongoBotTokenStore implements BotTokenStore {
  readonly #tokens: Collection<BotTokenDoc>;
  readonly #state: StorageState;

  constructor(tokens: Collection<BotTokenDoc>, state: StorageState) {
    this.#tokens = tokens;
    this.#state = state;
  }

  async create(token: BotTokenRecord): Promise<void> {
    await mongoCall(this.#state, 'botTokens.create', () => this.#tokens.insertOne(botTokenToDoc(token)));
  }

  async getByHash(tokenHash: string): Promise<BotTokenRecord | null> {
    const doc = await mongoCall(this.#state, 'botTokens.getByHash', () =>
      this.#tokens.findOne({ tokenHash }),
    );
    return doc ? botTokenFromDoc(doc) : null;
  }

  async getById(id: string): Promise<BotTokenRecord | null> {
    const doc = await mongoCall(this.#state, 'botTokens.getById', () => this.#tokens.findOne({ _id: id }));
    return doc ? botTokenFromDoc(doc) : null;
  }

  async listByApplication(applicationId: string): Promise<BotTokenRecord[]> {
    const docs = await mongoCall(this.#state, 'botTokens.listByApplication', () =>
      this.#tokens.find({ applicationId }).sort({ createdAt: 1 }).toArray(),
    );
    return docs.map(botTokenFromDoc).sort(byCreation);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = await mongoCall(this.#state, 'botTokens.revoke', () =>
      this.#tokens.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: at } }),
    );
    return result.modifiedCount === 1;
  }

  async revokeAllForApplication(applicationId: string, at: number): Promise<string[]> {
    // One atomic findOneAndUpdate per live token rather than updateMany: each call reports the very
    // document it revoked, so a token revoked concurrently by someone else is never claimed here.
    // An application holds a handful of tokens, so the round trips are few.
    return mongoCall(this.#state, 'botTokens.revokeAllForApplication', async () => {
      const revoked: { id: string; createdAt: number }[] = [];
      for (;;) {
        const doc = await this.#tokens.findOneAndUpdate(
          { applicationId, revokedAt: null },
          { $set: { revokedAt: at } },
          { sort: { createdAt: 1 }, projection: { _id: 1, createdAt: 1 } },
        );
        if (!doc) break;
        revoked.push({ id: doc._id, createdAt: doc.createdAt });
      }
      return revoked.sort(byCreation).map((r) => r.id);
    });
  }
}
