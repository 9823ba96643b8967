import { pickPatch } from '@driftway/common';
import type { Collection } from 'mongodb';
import type { MemberStore } from '../ports.js';
import type { MemberRecord } from '../records.js';
import { afterKey, lookupKey } from '../snowflakeKey.js';
import { MEMBER_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type MemberDoc, memberFromDoc, memberToDoc, pairId } from './documents.js';
import { lookupId, lookupIds } from './lookup.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

type MemberPatch = Parameters<MemberStore['update']>[2];

export class MongoMemberStore implements MemberStore {
  readonly #members: Collection<MemberDoc>;
  readonly #state: MongoTextState;

  constructor(members: Collection<MemberDoc>, state: MongoTextState) {
    this.#members = members;
    this.#state = state;
  }

  async add(member: MemberRecord): Promise<void> {
    this.#state.assertOpen('members.add');
    const doc = memberToDoc(member);
    // _id is the (guild, user) pair: a duplicate is "already a member".
    await mongoCall(this.#state, 'members.add', () => this.#members.insertOne(doc), 'member');
  }

  async get(guildId: string, userId: string): Promise<MemberRecord | null> {
    this.#state.assertOpen('members.get');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    const doc = await mongoCall(this.#state, 'members.get', () =>
      this.#members.findOne({ _id: pairId(guild, user) }),
    );
    return doc ? memberFromDoc(doc) : null;
  }

  async list(guildId: string, options: { after?: string; limit: number }): Promise<MemberRecord[]> {
    this.#state.assertOpen('members.list');
    const guild = lookupId(guildId);
    const after = options.after === undefined ? -1n : afterKey(options.after);
    if (guild === null || after === null || !(options.limit > 0)) return [];
    const docs = await mongoCall(this.#state, 'members.list', () =>
      this.#members
        .find({ guildId: guild, userKey: { $gt: after } })
        .sort({ userKey: 1 })
        .limit(options.limit)
        .toArray(),
    );
    return docs.map(memberFromDoc);
  }

  async getMany(guildId: string, userIds: string[]): Promise<MemberRecord[]> {
    this.#state.assertOpen('members.getMany');
    const guild = lookupKey(guildId);
    const users = lookupIds(userIds);
    if (guild === null || users.length === 0) return [];
    const docs = await mongoCall(this.#state, 'members.getMany', () =>
      this.#members.find({ _id: { $in: users.map((u) => pairId(guild, u)) } }).toArray(),
    );
    return docs.map(memberFromDoc);
  }

  async listGuildIdsForUser(userId: string): Promise<string[]> {
    this.#state.assertOpen('members.listGuildIdsForUser');
    const user = lookupId(userId);
    if (user === null) return [];
    const docs = await mongoCall(this.#state, 'members.listGuildIdsForUser', () =>
      this.#members.find({ userId: user }, { projection: { guildId: 1 } }).toArray(),
    );
    return docs.map((d) => d.guildId);
  }

  async count(guildId: string): Promise<number> {
    this.#state.assertOpen('members.count');
    const guild = lookupId(guildId);
    if (guild === null) return 0;
    return Number(
      await mongoCall(this.#state, 'members.count', () => this.#members.countDocuments({ guildId: guild })),
    );
  }

  async update(guildId: string, userId: string, patch: MemberPatch): Promise<MemberRecord | null> {
    this.#state.assertOpen('members.update');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return null;
    const set = pickPatch(patch, UPDATABLE);
    const _id = pairId(guild, user);
    const doc = await mongoCall(this.#state, 'members.update', () =>
      Object.keys(set).length === 0
        ? this.#members.findOne({ _id })
        : this.#members.findOneAndUpdate({ _id }, { $set: set }, { returnDocument: 'after' }),
    );
    return doc ? memberFromDoc(doc) : null;
  }

  async remove(guildId: string, userId: string): Promise<boolean> {
    this.#state.assertOpen('members.remove');
    const guild = lookupKey(guildId);
    const user = lookupKey(userId);
    if (guild === null || user === null) return false;
    const result = await mongoCall(this.#state, 'members.remove', () =>
      this.#members.deleteOne({ _id: pairId(guild, user) }),
    );
    return result.deletedCount === 1;
  }
}
