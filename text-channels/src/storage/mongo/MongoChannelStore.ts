import { pickPatch } from '@driftway/common';
import type { Collection } from 'mongodb';
import { dmKey } from '../dmKey.js';
import type { ChannelStore } from '../ports.js';
import { type ChannelRecord, ChannelType } from '../records.js';
import { compareIds, writeKeyOrNull } from '../snowflakeKey.js';
import { CHANNEL_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type ChannelDoc, canonical, canonicalOrNull, channelFromDoc } from './documents.js';
import { lookupId } from './lookup.js';
import type { MongoCascade } from './MongoCascade.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

type ChannelPatch = Parameters<ChannelStore['update']>[1];

/** recipientIds are fixed when a DM is created (they are its identity: see dmKey). */

export class MongoChannelStore implements ChannelStore {
  readonly #channels: Collection<ChannelDoc>;
  readonly #state: MongoTextState;
  readonly #cascade: MongoCascade;

  constructor(channels: Collection<ChannelDoc>, state: MongoTextState, cascade: MongoCascade) {
    this.#channels = channels;
    this.#state = state;
    this.#cascade = cascade;
  }

  async create(channel: ChannelRecord): Promise<void> {
    this.#state.assertOpen('channels.create');
    const doc = toDoc(channel);
    await mongoCall(this.#state, 'channels.create', () => this.#channels.insertOne(doc));
  }

  async get(id: string): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.get');
    const key = lookupId(id);
    if (key === null) return null;
    const doc = await mongoCall(this.#state, 'channels.get', () => this.#channels.findOne({ _id: key }));
    return doc ? channelFromDoc(doc) : null;
  }

  async listByGuild(guildId: string): Promise<ChannelRecord[]> {
    this.#state.assertOpen('channels.listByGuild');
    const guild = lookupId(guildId);
    if (guild === null) return [];
    const docs = await mongoCall(this.#state, 'channels.listByGuild', () =>
      this.#channels.find({ guildId: guild }).sort({ position: 1 }).toArray(),
    );
    return docs.map(channelFromDoc).sort((a, b) => a.position - b.position || compareIds(a.id, b.id));
  }

  async findDm(userA: string, userB: string): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.findDm');
    const a = lookupId(userA);
    const b = lookupId(userB);
    if (a === null || b === null) return null;
    const doc = await mongoCall(this.#state, 'channels.findDm', () =>
      this.#channels.findOne({ dmKey: dmKey([a, b]) }),
    );
    return doc ? channelFromDoc(doc) : null;
  }

  async listDmsForUser(userId: string): Promise<ChannelRecord[]> {
    this.#state.assertOpen('channels.listDmsForUser');
    const user = lookupId(userId);
    if (user === null) return [];
    const docs = await mongoCall(this.#state, 'channels.listDmsForUser', () =>
      this.#channels.find({ type: ChannelType.DM, recipientIds: user }).toArray(),
    );
    return docs.map(channelFromDoc).sort((a, b) => compareIds(b.id, a.id));
  }

  async update(id: string, patch: ChannelPatch): Promise<ChannelRecord | null> {
    this.#state.assertOpen('channels.update');
    const key = lookupId(id);
    if (key === null) return null;
    const picked = pickPatch(patch, UPDATABLE);
    const { lastMessageId, parentId, ...rest } = picked;
    const set: Partial<ChannelDoc> = { ...rest };
    if (parentId !== undefined) set.parentId = canonicalOrNull(parentId, 'channel.parentId');
    if (lastMessageId !== undefined)
      set.lastMessageId = writeKeyOrNull(lastMessageId, 'channel.lastMessageId');
    const doc = await mongoCall(this.#state, 'channels.update', () =>
      Object.keys(set).length === 0
        ? this.#channels.findOne({ _id: key })
        : this.#channels.findOneAndUpdate({ _id: key }, { $set: set }, { returnDocument: 'after' }),
    );
    return doc ? channelFromDoc(doc) : null;
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('channels.delete');
    const key = lookupId(id);
    if (key === null) return false;
    return mongoCall(this.#state, 'channels.delete', () => this.#cascade.deleteChannel(key));
  }
}

function toDoc(c: ChannelRecord): ChannelDoc {
  const doc: ChannelDoc = {
    _id: canonical(c.id, 'channel.id'),
    guildId: canonicalOrNull(c.guildId, 'channel.guildId'),
    type: c.type,
    name: c.name,
    topic: c.topic,
    position: c.position,
    parentId: canonicalOrNull(c.parentId, 'channel.parentId'),
    nsfw: c.nsfw,
    rateLimitPerUser: c.rateLimitPerUser,
    bitrate: c.bitrate,
    userLimit: c.userLimit,
    permissionOverwrites: c.permissionOverwrites.map((o) => ({ ...o })),
    recipientIds: c.recipientIds.map((id) => canonical(id, 'channel.recipientIds[]')),
    lastMessageId: writeKeyOrNull(c.lastMessageId, 'channel.lastMessageId'),
    lastPinTimestamp: c.lastPinTimestamp,
    createdAt: c.createdAt,
  };
  if (c.type === ChannelType.DM) doc.dmKey = dmKey(doc.recipientIds);
  return doc;
}
