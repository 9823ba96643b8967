import type { Collection } from 'mongodb';
import type { BanStore } from '../ports.js';
import type { BanRecord } from '../records.js';
import { afterKey, lookupKey, writeKey } from '../snowflakeKey.js';
import { type BanDoc, banFromDoc, pairId } from './documents.js';
import { lookupId } from './lookup.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

export class MongoBanStore implements BanStore {
  readonly #bans: Collection<BanDoc>;
  readonly #state: MongoTextState;

  constructor(bans: Collection<BanDoc>, state: MongoTextState) {
    this.#bans = bans;
    this.#state = state;
  }

  async put(ban: BanRecord): Promise<void> {
    this.#state.assertOpen('bans.put');
    const guild = writeKey(ban.guildId, 'ban.guildId');
    const user = writeKey(ban.userId, 'ban.userId');
    const doc: BanDoc = {
      _id: pairId(guild, user),
      guildId: guild.toString(),
      userId: user.toString(),
      userKey: user,
      reason: ban.reason,
      createdAt: ban.createdAt,
    };
    await mongoCall(this.#state, 'bans.put', () =>
      this.#bans.replaceOne({ _id: doc._id }, doc, { upsert: true }),
    );
  }

  async get(guildId: string, userId: string): Promise<BanRecord | null> {
    this.#state.assertOpen('bans.get');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    const doc = await mongoCall(this.#state, 'bans.get', () =>
      this.#bans.findOne({ _id: pairId(guild, user) }),
    );
    return doc ? banFromDoc(doc) : null;
  }

  async list(guildId: string, options: { after?: string; limit: number }): Promise<BanRecord[]> {
    this.#state.assertOpen('bans.list');
    const guild = lookupId(guildId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (guild === null || after === null || !(options.limit > 0)) return [];
    const docs = await mongoCall(this.#state, 'bans.list', () =>
      this.#bans
        .find({ guildId: guild, userKey: { $gt: after } })
        .sort({ userKey: 1 })
        .limit(options.limit)
        .toArray(),
    );
    return docs.map(banFromDoc);
  }

  async delete(guildId: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('bans.delete');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return false;
    const result = await mongoCall(this.#state, 'bans.delete', () =>
      this.#bans.deleteOne({ _id: pairId(guild, user) }),
    );
    return result.deletedCount === 1;
  }
}
