import type { TextStorage } from './ports.js';
import { SqliteTextStorage } from './sqlite/SqliteTextStorage.js';

/** Which database the text domain uses; parsed from the environment once, at start-up. */
export type TextStorageConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'mongo'; url: string; dbName: string };

/**
 * Opens the text domain's database, ready to use: schema migrated (SQLite) or indexes created
 * (MongoDB). Fails with STORE_UNAVAILABLE when the database cannot be reached or prepared.
 */
export async function openTextStorage(config: TextStorageConfig): Promise<TextStorage> {
  switch (config.kind) {
    case 'sqlite':
      return SqliteTextStorage.open(config.path);
    case 'mongo': {
      // Loaded on demand: an embedded (SQLite) deployment never loads the MongoDB driver.
      const { MongoTextStorage } = await import('./mongo/MongoTextStorage.js');
      return MongoTextStorage.open(config.url, config.dbName);
    }
  }
}
