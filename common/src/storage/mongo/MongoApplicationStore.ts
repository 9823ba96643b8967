import type { Collection } from 'mongodb';
import { byCreation } from '../byCreation.js';
import { pickPatch } from '../normalize.js';
import type { ApplicationStore } from '../ports.js';
import type { ApplicationRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { APPLICATION_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { type ApplicationDoc, applicationFromDoc, applicationToDoc } from './documents.js';
import { mongoCall } from './mongoErrors.js';

export class MongoApplicationStore implements ApplicationStore {
  readonly #apps: Collection<ApplicationDoc>;
  readonly #state: StorageState;

  constructor(apps: Collection<ApplicationDoc>, state: StorageState) {
    this.#apps = apps;
    this.#state = state;
  }

  async create(app: ApplicationRecord): Promise<void> {
    await mongoCall(this.#state, 'applications.create', () => this.#apps.insertOne(applicationToDoc(app)));
  }

  async getById(id: string): Promise<ApplicationRecord | null> {
    const doc = await mongoCall(this.#state, 'applications.getById', () => this.#apps.findOne({ _id: id }));
    return doc ? applicationFromDoc(doc) : null;
  }

  async getByBotUserId(botUserId: string): Promise<ApplicationRecord | null> {
    const doc = await mongoCall(this.#state, 'applications.getByBotUserId', () =>
      this.#apps.findOne({ botUserId }),
    );
    return doc ? applicationFromDoc(doc) : null;
  }

  async listByOwner(ownerId: string): Promise<ApplicationRecord[]> {
    const docs = await mongoCall(this.#state, 'applications.listByOwner', () =>
      this.#apps.find({ ownerId }).sort({ createdAt: 1 }).toArray(),
    );
    // Ties on createdAt are ordered by Snowflake value, which MongoDB cannot compare on strings.
    return docs.map(applicationFromDoc).sort(byCreation);
  }

  async update(
    id: string,
    patch: Partial<Pick<ApplicationRecord, 'name' | 'description'>>,
  ): Promise<ApplicationRecord | null> {
    const set = pickPatch(patch, UPDATABLE);
    const doc = await mongoCall(this.#state, 'applications.update', () =>
      Object.keys(set).length === 0
        ? this.#apps.findOne({ _id: id })
        : this.#apps.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }),
    );
    return doc ? applicationFromDoc(doc) : null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await mongoCall(this.#state, 'applications.delete', () =>
      this.#apps.deleteOne({ _id: id }),
    );
    return result.deletedCount === 1;
  }
}
