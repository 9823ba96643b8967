import { pickPatch } from '@driftway/common';
import type { Filter } from 'mongodb';
import type { MessageQuery, MessageStore, SearchQuery } from '../ports.js';
import type { MessageEditRecord, MessageRecord } from '../records.js';
import { mongoTextSearch, searchTerms } from '../searchTerms.js';
import { afterKey, cursorKey, lookupKey, lookupKeys, MAX_KEY } from '../snowflakeKey.js';
import { MESSAGE_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type MessageDoc, messageFromDoc, messageToDoc } from './documents.js';
import { lookupId, lookupIds } from './lookup.js';
import type { MongoCollections } from './MongoCollections.js';
import type { MongoTextState } from './MongoTextState.js';
import { isDuplicateOn, mongoCall } from './mongoErrors.js';

type MessagePatch = Parameters<MessageStore['update']>[2];

/** Rounds of optimistic retry for an edit racing other edits of the same message. */
const MAX_EDIT_ATTEMPTS = 10;

export class MongoMessageStore implements MessageStore {
  readonly #c: MongoCollections;
  readonly #state: MongoTextState;

  constructor(collections: MongoCollections, state: MongoTextState) {
    this.#c = collections;
    this.#state = state;
  }

  async create(message: MessageRecord): Promise<{ message: MessageRecord; created: boolean }> {
    this.#state.assertOpen('messages.create');
    const doc = messageToDoc(message);
    return mongoCall(this.#state, 'messages.create', async () => {
      // A retry loses the race on the nonce index and answers with the winner. Should the winner
      // be deleted between our failed insert and the read, inserting again is right: the nonce
      // is free once more.
      for (;;) {
        try {
          // The default write concern acknowledges once the primary has it (journalled per the
          // server's configuration): the ports' "durably, before returning".
          await this.#c.messages.insertOne(doc);
          break;
        } catch (err) {
          if (doc.nonce === null || !isDuplicateOn(err, 'nonce')) throw err;
          const first = await this.#c.messages.findOne({
            channelId: doc.channelId,
            authorId: doc.authorId,
            nonce: doc.nonce,
          });
          if (first) return { message: messageFromDoc(first), created: false };
        }
      }
      // $max never moves backwards, whatever order concurrent creates land in. A crash before
      // this line leaves lastMessageId one message behind; the message itself is stored.
      await this.#c.channels.updateOne({ _id: doc.channelId }, { $max: { lastMessageId: doc._id } });
      return { message, created: true };
    });
  }

  async get(channelId: string, messageId: string): Promise<MessageRecord | null> {
    this.#state.assertOpen('messages.get');
    const channel = lookupId(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return null;
    const doc = await mongoCall(this.#state, 'messages.get', () =>
      this.#c.messages.findOne({ _id: message, channelId: channel }),
    );
    return doc ? messageFromDoc(doc) : null;
  }

  async getMany(channelId: string, messageIds: string[]): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.getMany');
    const channel = lookupId(channelId);
    const messages = lookupKeys(messageIds);
    if (channel === null || messages.length === 0) return [];
    const docs = await mongoCall(this.#state, 'messages.getMany', () =>
      this.#c.messages.find({ _id: { $in: messages }, channelId: channel }).toArray(),
    );
    return docs.map(messageFromDoc);
  }

  async list(channelId: string, query: MessageQuery): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.list');
    const channel = lookupId(channelId);
    const limit = query.limit;
    if (channel === null || !(limit > 0)) return [];
    // Each page is one range scan of the (channelId, _id) index, as in SQLite.
    const page = (range: Filter<MessageDoc>['_id'] | undefined, direction: 1 | -1, n: number) =>
      this.#c.messages
        .find(range === undefined ? { channelId: channel } : { channelId: channel, _id: range })
        .sort({ _id: direction })
        .limit(n)
        .toArray();
    // A cursor beyond every storable id (up to 2^64 is a valid Snowflake) is "newer than all".
    const olderThan = (key: bigint, n: number) => page(key > MAX_KEY ? undefined : { $lt: key }, -1, n);
    const docs = await mongoCall(this.#state, 'messages.list', async (): Promise<MessageDoc[] | null> => {
      if (query.before !== undefined) {
        const before = cursorKey(query.before);
        return before === null ? null : olderThan(before, limit);
      }
      if (query.after !== undefined) {
        const after = afterKey(query.after);
        return after === null ? null : (await page({ $gt: after }, 1, limit)).reverse();
      }
      if (query.around !== undefined) {
        const around = cursorKey(query.around);
        if (around === null) return null;
        // Discord's split: the older half strictly before, the rest from the message itself on.
        const older = Math.floor(limit / 2);
        const [newer, olderDocs] = await Promise.all([
          around > MAX_KEY ? [] : page({ $gte: around }, 1, limit - older),
          older === 0 ? [] : olderThan(around, older),
        ]);
        return newer.reverse().concat(olderDocs);
      }
      return page(undefined, -1, limit);
    });
    return docs === null ? [] : docs.map(messageFromDoc);
  }

  async listPinned(channelId: string): Promise<MessageRecord[]> {
    this.#state.assertOpen('messages.listPinned');
    const channel = lookupId(channelId);
    if (channel === null) return [];
    const docs = await mongoCall(this.#state, 'messages.listPinned', () =>
      this.#c.messages.find({ channelId: channel, pinned: true }).sort({ pinnedAt: -1, _id: -1 }).toArray(),
    );
    return docs.map(messageFromDoc);
  }

  async search(query: SearchQuery): Promise<{ total: number; messages: MessageRecord[] }> {
    this.#state.assertOpen('messages.search');
    const guild = lookupId(query.guildId);
    const channels = lookupIds(query.channelIds);
    const author = query.authorId === undefined ? undefined : lookupId(query.authorId);
    const terms = query.content === undefined ? undefined : searchTerms(query.content);
    // Nothing the caller may see, an author who cannot exist, or text with no word in it: no match.
    if (guild === null || channels.length === 0 || author === null || terms?.length === 0) {
      return { total: 0, messages: [] };
    }
    const filter: Filter<MessageDoc> = { guildId: guild, channelId: { $in: channels } };
    if (author !== undefined) filter.authorId = author;
    if (terms) filter.$text = { $search: mongoTextSearch(terms) };
    const limit = Math.max(0, query.limit);
    const offset = Math.max(0, query.offset);
    return mongoCall(this.#state, 'messages.search', async () => {
      const total = Number(await this.#c.messages.countDocuments(filter));
      if (limit === 0 || offset >= total) return { total, messages: [] };
      const docs = await this.#c.messages.find(filter).sort({ _id: -1 }).skip(offset).limit(limit).toArray();
      return { total, messages: docs.map(messageFromDoc) };
    });
  }

  async countAfter(channelId: string, afterId: string | null, cap: number): Promise<number> {
    this.#state.assertOpen('messages.countAfter');
    const channel = lookupId(channelId);
    const after = afterId === null ? -1n : afterKey(afterId);
    if (channel === null || after === null || !(cap > 0)) return 0;
    const count = await mongoCall(this.#state, 'messages.countAfter', () =>
      this.#c.messages.countDocuments({ channelId: channel, _id: { $gt: after } }, { limit: cap }),
    );
    return Number(count);
  }

  async update(channelId: string, messageId: string, patch: MessagePatch): Promise<MessageRecord | null> {
    this.#state.assertOpen('messages.update');
    const channel = lookupId(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return null;
    const picked = pickPatch(patch, UPDATABLE);
    return mongoCall(this.#state, 'messages.update', async () => {
      // Optimistic: the write only applies if the content is still what we read, so each
      // replaced content is recorded exactly once even when edits race.
      for (let attempt = 0; attempt < MAX_EDIT_ATTEMPTS; attempt++) {
        const current = await this.#c.messages.findOne({ _id: message, channelId: channel });
        if (!current) return null;
        const previous = messageFromDoc(current);
        const next: MessageRecord = { ...previous, ...picked };
        const doc = messageToDoc(next);
        const set: Partial<MessageDoc> = {};
        for (const field of UPDATABLE) Object.assign(set, { [field]: doc[field] });
        const written = await this.#c.messages.findOneAndUpdate(
          { _id: message, channelId: channel, content: previous.content },
          { $set: set },
          { returnDocument: 'after' },
        );
        if (!written) continue;
        if (next.content !== previous.content) {
          await this.#c.messageEdits.insertOne({
            messageId: message,
            channelId: channel,
            content: previous.content,
            editedAt: next.editedAt ?? Date.now(),
          });
        }
        return messageFromDoc(written);
      }
      throw new Error(
        `messages.update: message ${messageId} kept changing under ${MAX_EDIT_ATTEMPTS} attempts`,
      );
    });
  }

  async listEdits(messageId: string): Promise<MessageEditRecord[]> {
    this.#state.assertOpen('messages.listEdits');
    const message = lookupKey(messageId);
    if (message === null) return [];
    const docs = await mongoCall(this.#state, 'messages.listEdits', () =>
      this.#c.messageEdits.find({ messageId: message }).sort({ editedAt: 1, _id: 1 }).toArray(),
    );
    return docs.map((d) => ({ messageId: d.messageId.toString(), content: d.content, editedAt: d.editedAt }));
  }

  async delete(channelId: string, messageId: string): Promise<boolean> {
    this.#state.assertOpen('messages.delete');
    const channel = lookupId(channelId);
    const message = lookupKey(messageId);
    if (channel === null || message === null) return false;
    return mongoCall(this.#state, 'messages.delete', async () => {
      const exists = await this.#c.messages.findOne(
        { _id: message, channelId: channel },
        { projection: { _id: 1 } },
      );
      if (!exists) return false;
      // Dependents first, as MongoCascade does: a crash leaves the message, never orphans.
      await Promise.all([
        this.#c.reactions.deleteMany({ messageId: message }),
        this.#c.messageEdits.deleteMany({ messageId: message }),
      ]);
      const result = await this.#c.messages.deleteOne({ _id: message, channelId: channel });
      return result.deletedCount === 1;
    });
  }

  async bulkDelete(channelId: string, messageIds: string[]): Promise<string[]> {
    this.#state.assertOpen('messages.bulkDelete');
    const channel = lookupId(channelId);
    const messages = lookupKeys(messageIds);
    if (channel === null || messages.length === 0) return [];
    return mongoCall(this.#state, 'messages.bulkDelete', async () => {
      const existing = await this.#c.messages
        .find({ _id: { $in: messages }, channelId: channel }, { projection: { _id: 1 } })
        .toArray();
      if (existing.length === 0) return [];
      const keys = existing.map((d) => d._id);
      await Promise.all([
        this.#c.reactions.deleteMany({ messageId: { $in: keys } }),
        this.#c.messageEdits.deleteMany({ messageId: { $in: keys } }),
      ]);
      await this.#c.messages.deleteMany({ _id: { $in: keys }, channelId: channel });
      // The caller's order (it becomes MESSAGE_DELETE_BULK's ids), each id once.
      const deleted = new Set(keys.map(String));
      return messages.map(String).filter((id) => deleted.has(id));
    });
  }
}
