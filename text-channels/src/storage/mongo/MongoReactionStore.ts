import type { Collection } from 'mongodb';
import type { ReactionStore } from '../ports.js';
import type { ReactionCount, ReactionRecord } from '../records.js';
import { afterKey, lookupKey, lookupKeys, writeKey } from '../snowflakeKey.js';
import type { ReactionDoc } from './documents.js';
import { canonical } from './documents.js';
import type { MongoTextState } from './MongoTextState.js';
import { isDuplicateOn, mongoCall } from './mongoErrors.js';

interface CountRow {
  _id: { messageId: bigint; emoji: string };
  count: number;
  me: boolean;
}

export class MongoReactionStore implements ReactionStore {
  readonly #reactions: Collection<ReactionDoc>;
  readonly #state: MongoTextState;

  constructor(reactions: Collection<ReactionDoc>, state: MongoTextState) {
    this.#reactions = reactions;
    this.#state = state;
  }

  async add(reaction: ReactionRecord): Promise<boolean> {
    this.#state.assertOpen('reactions.add');
    const user = writeKey(reaction.userId, 'reaction.userId');
    const doc: ReactionDoc = {
      messageId: writeKey(reaction.messageId, 'reaction.messageId'),
      channelId: canonical(reaction.channelId, 'reaction.channelId'),
      emoji: reaction.emoji,
      userId: user.toString(),
      userKey: user,
      createdAt: reaction.createdAt,
    };
    return mongoCall(this.#state, 'reactions.add', async () => {
      try {
        await this.#reactions.insertOne(doc);
        return true;
      } catch (err) {
        // Already reacted with this emoji: the unique index says so, atomically.
        if (isDuplicateOn(err, 'userKey')) return false;
        throw err;
      }
    });
  }

  async remove(messageId: string, emoji: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('reactions.remove');
    const message = lookupKey(messageId);
    const user = lookupKey(userId);
    if (message === null || user === null) return false;
    const result = await mongoCall(this.#state, 'reactions.remove', () =>
      this.#reactions.deleteOne({ messageId: message, emoji, userKey: user }),
    );
    return result.deletedCount === 1;
  }

  async removeAll(messageId: string, emoji?: string): Promise<number> {
    this.#state.assertOpen('reactions.removeAll');
    const message = lookupKey(messageId);
    if (message === null) return 0;
    const result = await mongoCall(this.#state, 'reactions.removeAll', () =>
      this.#reactions.deleteMany(
        emoji === undefined ? { messageId: message } : { messageId: message, emoji },
      ),
    );
    return Number(result.deletedCount);
  }

  async listUsers(
    messageId: string,
    emoji: string,
    options: { after?: string; limit: number },
  ): Promise<string[]> {
    this.#state.assertOpen('reactions.listUsers');
    const message = lookupKey(messageId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (message === null || after === null || !(options.limit > 0)) return [];
    const docs = await mongoCall(this.#state, 'reactions.listUsers', () =>
      this.#reactions
        .find({ messageId: message, emoji, userKey: { $gt: after } }, { projection: { userId: 1 } })
        .sort({ userKey: 1 })
        .limit(options.limit)
        .toArray(),
    );
    return docs.map((d) => d.userId);
  }

  async counts(messageIds: string[], viewerId: string): Promise<Map<string, ReactionCount[]>> {
    this.#state.assertOpen('reactions.counts');
    const messages = lookupKeys(messageIds);
    const result = new Map<string, ReactionCount[]>(messages.map((key) => [key.toString(), []]));
    if (messages.length === 0) return result;
    // A viewer id that cannot exist reacted to nothing: -1 matches no document.
    const viewer = lookupKey(viewerId) ?? -1n;
    const rows = await mongoCall(this.#state, 'reactions.counts', () =>
      this.#reactions
        .aggregate<CountRow>([
          { $match: { messageId: { $in: messages } } },
          {
            $group: {
              _id: { messageId: '$messageId', emoji: '$emoji' },
              count: { $sum: 1 },
              me: { $max: { $eq: ['$userKey', viewer] } },
              // An emoji's place is its earliest remaining reaction: by time, then arrival.
              firstAt: { $min: '$createdAt' },
              firstId: { $min: '$_id' },
            },
          },
          { $sort: { '_id.messageId': 1, firstAt: 1, firstId: 1 } },
        ])
        .toArray(),
    );
    for (const row of rows) {
      result
        .get(row._id.messageId.toString())
        ?.push({ emoji: row._id.emoji, count: Number(row.count), me: row.me });
    }
    return result;
  }
}
