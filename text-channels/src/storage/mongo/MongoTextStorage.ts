import { openMongoDatabase } from '@driftway/common';
import type { Db, MongoClient } from 'mongodb';
import type { TextStorage } from '../ports.js';
import { textMongoIndexes } from './indexes.js';
import { MongoBanStore } from './MongoBanStore.js';
import { MongoCascade } from './MongoCascade.js';
import { MongoChannelStore } from './MongoChannelStore.js';
import { textCollections } from './MongoCollections.js';
import { MongoGuildStore } from './MongoGuildStore.js';
import { MongoInviteStore } from './MongoInviteStore.js';
import { MongoMemberStore } from './MongoMemberStore.js';
import { MongoMessageStore } from './MongoMessageStore.js';
import { MongoReactionStore } from './MongoReactionStore.js';
import { MongoReadStateStore } from './MongoReadStateStore.js';
import { MongoRoleStore } from './MongoRoleStore.js';
import { MongoTextState } from './MongoTextState.js';
import { mongoCall, toStoreError } from './mongoErrors.js';

/** Long enough for a replica set election, short enough that a wrong URL fails start-up promptly. */

/**
 * The production adapter of the text domain: its own MongoClient (and pool) over the same
 * database as the accounts storage, in its own collections. The client runs with useBigInt64 so
 * the int64 Snowflake keys (see documents.ts) come back as exact bigints.
 */
export class MongoTextStorage implements TextStorage {
  readonly kind = 'mongo' as const;
  readonly guilds: MongoGuildStore;
  readonly roles: MongoRoleStore;
  readonly channels: MongoChannelStore;
  readonly members: MongoMemberStore;
  readonly bans: MongoBanStore;
  readonly invites: MongoInviteStore;
  readonly messages: MongoMessageStore;
  readonly reactions: MongoReactionStore;
  readonly readStates: MongoReadStateStore;
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #state = new MongoTextState();

  private constructor(client: MongoClient, db: Db) {
    this.#client = client;
    this.#db = db;
    const c = textCollections(db);
    const cascade = new MongoCascade(c);
    this.guilds = new MongoGuildStore(c.guilds, this.#state, cascade);
    this.roles = new MongoRoleStore(c.roles, c.members, c.channels, this.#state);
    this.channels = new MongoChannelStore(c.channels, this.#state, cascade);
    this.members = new MongoMemberStore(c.members, this.#state);
    this.bans = new MongoBanStore(c.bans, this.#state);
    this.invites = new MongoInviteStore(c.invites, this.#state);
    this.messages = new MongoMessageStore(c, this.#state);
    this.reactions = new MongoReactionStore(c.reactions, this.#state);
    this.readStates = new MongoReadStateStore(c.readStates, this.#state);
  }

  /**
   * Connects and creates the indexes. Any failure here means this database cannot serve us:
   * STORE_UNAVAILABLE with the driver error as `cause`, and the half-open client is closed. A
   * `serverSelectionTimeoutMS` in the URL wins over our default.
   */
  static async open(url: string, dbName: string): Promise<MongoTextStorage> {
    const { client, db } = await openMongoDatabase(url, dbName, {
      appName: 'driftway-text',
      indexes: textMongoIndexes,
      // Snowflake sort keys are int64: read them back as bigint, never as lossy doubles.
      clientOptions: { useBigInt64: true },
      toStoreError,
    });
    return new MongoTextStorage(client, db);
  }

  async ping(): Promise<void> {
    await mongoCall(this.#state, 'ping', () => this.#db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    if (!this.#state.close()) return;
    // Operations accepted before close() finish first (their callers are awaiting them).
    await this.#state.drain();
    await this.#client.close();
  }
}
