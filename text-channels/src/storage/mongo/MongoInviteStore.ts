import type { Collection } from 'mongodb';
import type { InviteStore } from '../ports.js';
import type { InviteRecord } from '../records.js';
import { type InviteDoc, inviteFromDoc, inviteToDoc } from './documents.js';
import { lookupId } from './lookup.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

export class MongoInviteStore implements InviteStore {
  readonly #invites: Collection<InviteDoc>;
  readonly #state: MongoTextState;

  constructor(invites: Collection<InviteDoc>, state: MongoTextState) {
    this.#invites = invites;
    this.#state = state;
  }

  async create(invite: InviteRecord): Promise<void> {
    this.#state.assertOpen('invites.create');
    const doc = inviteToDoc(invite);
    await mongoCall(this.#state, 'invites.create', () => this.#invites.insertOne(doc), 'code');
  }

  async get(code: string): Promise<InviteRecord | null> {
    const doc = await mongoCall(this.#state, 'invites.get', () => this.#invites.findOne({ _id: code }));
    return doc ? inviteFromDoc(doc) : null;
  }

  async listByGuild(guildId: string): Promise<InviteRecord[]> {
    this.#state.assertOpen('invites.listByGuild');
    const guild = lookupId(guildId);
    if (guild === null) return [];
    const docs = await mongoCall(this.#state, 'invites.listByGuild', () =>
      this.#invites.find({ guildId: guild }).sort({ createdAt: 1, _id: 1 }).toArray(),
    );
    return docs.map(inviteFromDoc);
  }

  async listByChannel(channelId: string): Promise<InviteRecord[]> {
    this.#state.assertOpen('invites.listByChannel');
    const channel = lookupId(channelId);
    if (channel === null) return [];
    const docs = await mongoCall(this.#state, 'invites.listByChannel', () =>
      this.#invites.find({ channelId: channel }).sort({ createdAt: 1, _id: 1 }).toArray(),
    );
    return docs.map(inviteFromDoc);
  }

  async use(code: string, now: number): Promise<InviteRecord | null> {
    // One single-document update: the conditions and the increment are atomic together, so of
    // concurrent uses of the last slot exactly one matches.
    const doc = await mongoCall(this.#state, 'invites.use', () =>
      this.#invites.findOneAndUpdate(
        {
          _id: code,
          $and: [
            { $or: [{ maxUses: 0 }, { $expr: { $lt: ['$uses', '$maxUses'] } }] },
            { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
          ],
        },
        { $inc: { uses: 1 } },
        { returnDocument: 'after' },
      ),
    );
    return doc ? inviteFromDoc(doc) : null;
  }

  async delete(code: string): Promise<boolean> {
    const result = await mongoCall(this.#state, 'invites.delete', () =>
      this.#invites.deleteOne({ _id: code }),
    );
    return result.deletedCount === 1;
  }
}
