import { pickPatch } from '@driftway/common';
import type { Collection } from 'mongodb';
import type { RoleStore } from '../ports.js';
import type { RoleRecord } from '../records.js';
import { compareIds } from '../snowflakeKey.js';
import { ROLE_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type ChannelDoc, type MemberDoc, type RoleDoc, roleFromDoc, roleToDoc } from './documents.js';
import { lookupId } from './lookup.js';
import type { MongoTextState } from './MongoTextState.js';
import { mongoCall } from './mongoErrors.js';

type RolePatch = Parameters<RoleStore['update']>[2];

export class MongoRoleStore implements RoleStore {
  readonly #roles: Collection<RoleDoc>;
  readonly #members: Collection<MemberDoc>;
  readonly #channels: Collection<ChannelDoc>;
  readonly #state: MongoTextState;

  constructor(
    roles: Collection<RoleDoc>,
    members: Collection<MemberDoc>,
    channels: Collection<ChannelDoc>,
    state: MongoTextState,
  ) {
    this.#roles = roles;
    this.#members = members;
    this.#channels = channels;
    this.#state = state;
  }

  async create(role: RoleRecord): Promise<void> {
    this.#state.assertOpen('roles.create');
    const doc = roleToDoc(role);
    await mongoCall(this.#state, 'roles.create', () => this.#roles.insertOne(doc));
  }

  async get(guildId: string, roleId: string): Promise<RoleRecord | null> {
    this.#state.assertOpen('roles.get');
    const guild = lookupId(guildId);
    const role = lookupId(roleId);
    if (guild === null || role === null) return null;
    const doc = await mongoCall(this.#state, 'roles.get', () =>
      this.#roles.findOne({ _id: role, guildId: guild }),
    );
    return doc ? roleFromDoc(doc) : null;
  }

  async listByGuild(guildId: string): Promise<RoleRecord[]> {
    this.#state.assertOpen('roles.listByGuild');
    const guild = lookupId(guildId);
    if (guild === null) return [];
    const docs = await mongoCall(this.#state, 'roles.listByGuild', () =>
      this.#roles.find({ guildId: guild }).sort({ position: 1 }).toArray(),
    );
    // Ties on position go by id as a number, which MongoDB cannot compare on strings.
    return docs.map(roleFromDoc).sort((a, b) => a.position - b.position || compareIds(a.id, b.id));
  }

  async update(guildId: string, roleId: string, patch: RolePatch): Promise<RoleRecord | null> {
    this.#state.assertOpen('roles.update');
    const guild = lookupId(guildId);
    const role = lookupId(roleId);
    if (guild === null || role === null) return null;
    const set = pickPatch(patch, UPDATABLE);
    const doc = await mongoCall(this.#state, 'roles.update', () =>
      Object.keys(set).length === 0
        ? this.#roles.findOne({ _id: role, guildId: guild })
        : this.#roles.findOneAndUpdate(
            { _id: role, guildId: guild },
            { $set: set },
            { returnDocument: 'after' },
          ),
    );
    return doc ? roleFromDoc(doc) : null;
  }

  async delete(guildId: string, roleId: string): Promise<boolean> {
    this.#state.assertOpen('roles.delete');
    const guild = lookupId(guildId);
    const role = lookupId(roleId);
    if (guild === null || role === null) return false;
    return mongoCall(this.#state, 'roles.delete', async () => {
      const result = await this.#roles.deleteOne({ _id: role, guildId: guild });
      if (result.deletedCount !== 1) return false;
      // After the role itself: a crash in between leaves a dangling id that grants nothing.
      await Promise.all([
        this.#members.updateMany({ guildId: guild, roleIds: role }, { $pull: { roleIds: role } }),
        this.#channels.updateMany(
          { guildId: guild, permissionOverwrites: { $elemMatch: { id: role, type: 0 } } },
          { $pull: { permissionOverwrites: { id: role, type: 0 } } },
        ),
      ]);
      return true;
    });
  }
}
