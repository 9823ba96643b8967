import { type Db, type IndexDescription, MongoClient, type MongoClientOptions } from 'mongodb';
import { commonErrors } from '../../errors/commonErrors.js';

/** How long the driver looks for a server before an operation fails (STORE_UNAVAILABLE). */
const SERVER_SELECTION_TIMEOUT_MS = 5_000;

export interface MongoOpenOptions {
  appName: string;
  /** Created at start (createIndexes is idempotent), per collection. */
  indexes: Record<string, IndexDescription[]>;
  clientOptions?: MongoClientOptions;
  /** The adapter's driver-error mapping (STORE_CONFLICT / STORE_UNAVAILABLE). */
  toStoreError: (err: unknown) => unknown;
}

/**
 * Connects and creates the indexes the same way for every MongoDB adapter. Any failure at start is
 * the store being unavailable (the driver error kept as `cause`), and the half-open client is
 * closed. A `serverSelectionTimeoutMS` in the URL wins over our default (the driver would otherwise
 * let the option object override the URL).
 */
export async function openMongoDatabase(
  url: string,
  dbName: string,
  options: MongoOpenOptions,
): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(url, {
    appName: options.appName,
    ...options.clientOptions,
    ...(/[?&]serverSelectionTimeoutMS=/i.test(url)
      ? {}
      : { serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS }),
  });
  try {
    await client.connect();
    const db = client.db(dbName);
    await Promise.all(
      Object.entries(options.indexes).map(([collection, specs]) =>
        db.collection(collection).createIndexes(specs),
      ),
    );
    return { client, db };
  } catch (err) {
    await client.close().catch(() => {});
    const mapped = options.toStoreError(err);
    if (mapped !== err) throw mapped;
    throw commonErrors.create('STORE_UNAVAILABLE', { cause: err });
  }
}
