import type { Db, MongoClient } from 'mongodb';
import type { Storage } from '../ports.js';
import { StorageState } from '../StorageState.js';
import {
  type ApplicationDoc,
  type BotTokenDoc,
  COLLECTIONS,
  type RefreshTokenDoc,
  type UserDoc,
} from './documents.js';
import { mongoIndexes } from './indexes.js';
import { MongoApplicationStore } from './MongoApplicationStore.js';
import { MongoBotTokenStore } from './MongoBotTokenStore.js';
import { MongoRefreshTokenStore } from './MongoRefreshTokenStore.js';
import { MongoUserStore } from './MongoUserStore.js';
import { mongoCall, toStoreError } from './mongoErrors.js';
import { openMongoDatabase } from './openMongoDatabase.js';

/** Long enough for a replica set election, short enough that a wrong URL fails start-up promptly. */

/**
 * The production adapter: one MongoClient (with its own connection pool) per process. The stores
 * share the client's lifetime through StorageState.
 */
export class MongoStorage implements Storage {
  readonly kind = 'mongo' as const;
  readonly users: MongoUserStore;
  readonly refreshTokens: MongoRefreshTokenStore;
  readonly applications: MongoApplicationStore;
  readonly botTokens: MongoBotTokenStore;
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #state = new StorageState('mongo');

  private constructor(client: MongoClient, db: Db) {
    this.#client = client;
    this.#db = db;
    this.users = new MongoUserStore(db.collection<UserDoc>(COLLECTIONS.users), this.#state);
    this.refreshTokens = new MongoRefreshTokenStore(
      db.collection<RefreshTokenDoc>(COLLECTIONS.refreshTokens),
      this.#state,
    );
    this.applications = new MongoApplicationStore(
      db.collection<ApplicationDoc>(COLLECTIONS.applications),
      this.#state,
    );
    this.botTokens = new MongoBotTokenStore(db.collection<BotTokenDoc>(COLLECTIONS.botTokens), this.#state);
  }

  /**
   * Connects and creates the indexes. Any failure here (no server in time, authentication, an
   * index clash) means this database cannot serve us: STORE_UNAVAILABLE with the driver error as
   * `cause`, and the half-open client is closed. A
   * `serverSelectionTimeoutMS` in the URL wins over our default (the driver would otherwise let the
   * option object override the URL).
   */
  static async open(url: string, dbName: string): Promise<MongoStorage> {
    const { client, db } = await openMongoDatabase(url, dbName, {
      appName: 'driftway',
      indexes: mongoIndexes,
      toStoreError,
    });
    return new MongoStorage(client, db);
  }

  async ping(): Promise<void> {
    await mongoCall(this.#state, 'ping', () => this.#db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    if (!this.#state.close()) return;
    await this.#client.close();
  }
}
