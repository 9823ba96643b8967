import type { Storage } from './ports.js';
import { SqliteStorage } from './sqlite/SqliteStorage.js';

/** Which database a service uses; parsed from its environment once, at start-up. */
export type StorageConfig = { kind: 'sqlite'; path: string } | { kind: 'mongo'; url: string; dbName: string };

/**
 * Opens the configured database, ready to use: schema migrated (SQLite) or indexes created
 * (MongoDB). Fails with STORE_UNAVAILABLE when the database cannot be reached or prepared.
 */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  switch (config.kind) {
    case 'sqlite':
      return SqliteStorage.open(config.path);
    case 'mongo': {
      // Loaded on demand: an embedded (SQLite) deployment never loads the MongoDB driver.
      const { MongoStorage } = await import('./mongo/MongoStorage.js');
      return MongoStorage.open(config.url, config.dbName);
    }
  }
}
