import type { Collection } from 'mongodb';
import type { ReadStateStore } from '../ports.js';
import type { ReadStateRecord } from '../records.js';
import { lookupKey, lookupKeys, writeKey } from '../snowflakeKey.js';
import { pairId, type ReadStateDoc, readStateFromDoc } from './documents.js';
import { lookupId } from './lookup.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

export class MongoReadStateStore implements ReadStateStore {
  readonly #readStates: Collection<ReadStateDoc>;
  readonly #state: MongoTextState;

  constructor(readStates: Collection<ReadStateDoc>, state: MongoTextState) {
    this.#readStates = readStates;
    this.#state = state;
  }

  async get(userId: string, channelId: string): Promise<ReadStateRecord | null> {
    this.#state.assertOpen('readStates.get');
    const user = lookupKey(userId);
    const channel = lookupKey(channelId);
    if (user === null || channel === null) return null;
    const doc = await mongoCall(this.#state, 'readStates.get', () =>
      this.#readStates.findOne({ _id: pairId(user, channel) }),
    );
    return doc ? readStateFromDoc(doc) : null;
  }

  async listForUser(userId: string): Promise<ReadStateRecord[]> {
    this.#state.assertOpen('readStates.listForUser');
    const user = lookupId(userId);
    if (user === null) return [];
    const docs = await mongoCall(this.#state, 'readStates.listForUser', () =>
      this.#readStates.find({ userId: user }).toArray(),
    );
    return docs.map(readStateFromDoc);
  }

  async ack(userId: string, channelId: string, messageId: string): Promise<ReadStateRecord> {
    this.#state.assertOpen('readStates.ack');
    const user = writeKey(userId, 'readState.userId');
    const channel = writeKey(channelId, 'readState.channelId');
    const message = writeKey(messageId, 'readState.lastMessageId');
    // One atomic pipeline update (an upsert for a first ack): move forward and clear mentions
    // only when the ack is not older than the stored position, compared as int64.
    const forward = {
      $or: [{ $eq: [{ $ifNull: ['$lastMessageId', null] }, null] }, { $lte: ['$lastMessageId', message] }],
    };
    const doc = await mongoCall(this.#state, 'readStates.ack', () =>
      this.#readStates.findOneAndUpdate(
        { _id: pairId(user, channel) },
        [
          {
            $set: {
              userId: user.toString(),
              channelId: channel.toString(),
              mentionCount: { $cond: [forward, 0, { $ifNull: ['$mentionCount', 0] }] },
              lastMessageId: { $cond: [forward, { $literal: message }, '$lastMessageId'] },
            },
          },
        ],
        { upsert: true, returnDocument: 'after' },
      ),
    );
    if (!doc) throw new Error('readStates.ack: the upserted read state is missing');
    return readStateFromDoc(doc);
  }

  async addMentions(channelId: string, userIds: string[]): Promise<void> {
    this.#state.assertOpen('readStates.addMentions');
    const channel = writeKey(channelId, 'readState.channelId');
    for (const id of userIds) writeKey(id, 'readState.userId');
    // One mention per user per call, however often the caller listed them.
    const users = lookupKeys(userIds);
    if (users.length === 0) return;
    await mongoCall(this.#state, 'readStates.addMentions', () =>
      this.#readStates.bulkWrite(
        users.map((user) => ({
          updateOne: {
            filter: { _id: pairId(user, channel) },
            update: {
              $inc: { mentionCount: 1 },
              $setOnInsert: { userId: user.toString(), channelId: channel.toString(), lastMessageId: null },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      ),
    );
  }
}
