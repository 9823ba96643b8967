import { pickPatch } from '@driftway/common';
import type { Collection } from 'mongodb';
import type { GuildStore } from '../ports.js';
import type { GuildRecord } from '../records.js';
import { GUILD_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { canonical, canonicalOrNull, type GuildDoc, guildFromDoc, guildToDoc } from './documents.js';
import { lookupId, lookupIds } from './lookup.js';
import type { MongoCascade } from './MongoCascade.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

type GuildPatch = Parameters<GuildStore['update']>[1];

export class MongoGuildStore implements GuildStore {
  readonly #guilds: Collection<GuildDoc>;
  readonly #state: MongoTextState;
  readonly #cascade: MongoCascade;

  constructor(guilds: Collection<GuildDoc>, state: MongoTextState, cascade: MongoCascade) {
    this.#guilds = guilds;
    this.#state = state;
    this.#cascade = cascade;
  }

  async create(guild: GuildRecord): Promise<void> {
    this.#state.assertOpen('guilds.create');
    const doc = guildToDoc(guild);
    await mongoCall(this.#state, 'guilds.create', () => this.#guilds.insertOne(doc));
  }

  async get(id: string): Promise<GuildRecord | null> {
    this.#state.assertOpen('guilds.get');
    const key = lookupId(id);
    if (key === null) return null;
    const doc = await mongoCall(this.#state, 'guilds.get', () => this.#guilds.findOne({ _id: key }));
    return doc ? guildFromDoc(doc) : null;
  }

  async getMany(ids: string[]): Promise<GuildRecord[]> {
    this.#state.assertOpen('guilds.getMany');
    const keys = lookupIds(ids);
    if (keys.length === 0) return [];
    const docs = await mongoCall(this.#state, 'guilds.getMany', () =>
      this.#guilds.find({ _id: { $in: keys } }).toArray(),
    );
    return docs.map(guildFromDoc);
  }

  async update(id: string, patch: GuildPatch): Promise<GuildRecord | null> {
    this.#state.assertOpen('guilds.update');
    const key = lookupId(id);
    if (key === null) return null;
    const picked = pickPatch(patch, UPDATABLE);
    const set: Partial<GuildDoc> = { ...picked };
    if (picked.ownerId !== undefined) set.ownerId = canonical(picked.ownerId, 'guild.ownerId');
    if (picked.systemChannelId !== undefined) {
      set.systemChannelId = canonicalOrNull(picked.systemChannelId, 'guild.systemChannelId');
    }
    const doc = await mongoCall(this.#state, 'guilds.update', () =>
      Object.keys(set).length === 0
        ? this.#guilds.findOne({ _id: key })
        : this.#guilds.findOneAndUpdate({ _id: key }, { $set: set }, { returnDocument: 'after' }),
    );
    return doc ? guildFromDoc(doc) : null;
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('guilds.delete');
    const key = lookupId(id);
    if (key === null) return false;
    return mongoCall(this.#state, 'guilds.delete', () => this.#cascade.deleteGuild(key));
  }
}
