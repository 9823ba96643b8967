import type { Collection } from 'mongodb';
import { normalizeEmail, pickPatch, usernameKey } from '../normalize.js';
import type { UserStore } from '../ports.js';
import type { UserRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { USER_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type UserDoc, userFromDoc, userToDoc } from './documents.js';
import { mongoCall } from './mongoErrors.js';

export class MongoUserStore implements UserStore {
  readonly #users: Collection<UserDoc>;
  readonly #state: StorageState;

  constructor(users: Collection<UserDoc>, state: StorageState) {
    this.#users = users;
    this.#state = state;
  }

  async create(user: UserRecord): Promise<void> {
    await mongoCall(this.#state, 'users.create', () => this.#users.insertOne(userToDoc(user)));
  }

  async getById(id: string): Promise<UserRecord | null> {
    const doc = await mongoCall(this.#state, 'users.getById', () => this.#users.findOne({ _id: id }));
    return doc ? userFromDoc(doc) : null;
  }

  async getMany(ids: string[]): Promise<UserRecord[]> {
    if (ids.length === 0) {
      this.#state.assertOpen('users.getMany');
      return [];
    }
    const docs = await mongoCall(this.#state, 'users.getMany', () =>
      this.#users.find({ _id: { $in: ids } }).toArray(),
    );
    return docs.map(userFromDoc);
  }

  async getByEmail(email: string): Promise<UserRecord | null> {
    // `$type: 'string'` repeats the email index's partial filter so the planner may use that index.
    const doc = await mongoCall(this.#state, 'users.getByEmail', () =>
      this.#users.findOne({ email: { $eq: normalizeEmail(email), $type: 'string' } }),
    );
    return doc ? userFromDoc(doc) : null;
  }

  async getByUsername(username: string): Promise<UserRecord | null> {
    const doc = await mongoCall(this.#state, 'users.getByUsername', () =>
      this.#users.findOne({ usernameLower: usernameKey(username) }),
    );
    return doc ? userFromDoc(doc) : null;
  }

  async update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<UserRecord | null> {
    const picked = pickPatch(patch, UPDATABLE);
    const set: Partial<Omit<UserDoc, '_id' | 'createdAt'>> = { ...picked };
    if (picked.username !== undefined) set.usernameLower = usernameKey(picked.username);
    if (picked.email !== undefined) set.email = normalizeEmail(picked.email);
    const doc = await mongoCall(this.#state, 'users.update', () =>
      Object.keys(set).length === 0
        ? this.#users.findOne({ _id: id })
        : this.#users.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }),
    );
    return doc ? userFromDoc(doc) : null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await mongoCall(this.#state, 'users.delete', () => this.#users.deleteOne({ _id: id }));
    return result.deletedCount === 1;
  }
}
