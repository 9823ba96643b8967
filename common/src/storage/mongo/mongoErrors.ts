import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { commonErrors } from '../../errors/commonErrors.js';
import type { StorageState } from '../StorageState.js';
import { mongoIndexes } from './indexes.js';

const DUPLICATE_KEY = 11000;

/**
 * Turns a driver error into the ports' errors: duplicate key (11000) becomes STORE_CONFLICT naming
 * the field, a lost or unreachable server STORE_UNAVAILABLE; both keep the driver error as
 * `cause`. Anything else (a query bug, an index definition clash) is returned unchanged.
 */
export function toStoreError(err: unknown): unknown {
  if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
    return commonErrors.create('STORE_CONFLICT', { params: { what: duplicateKeyField(err) }, cause: err });
  }
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError
  ) {
    return commonErrors.create('STORE_UNAVAILABLE', { cause: err });
  }
  return err;
}

/**
 * The record field a duplicate key error is about, named as the SQLite adapter names it: the index
 * key without a `Lower` suffix, `_id` as `id`. Servers since 4.4 send `keyPattern`; older ones only
 * the message ("... index: username_unique dup key: { usernameLower: "x" }").
 */
export function duplicateKeyField(err: MongoServerError): string {
  const pattern: unknown = err.keyPattern ?? err.errorResponse?.keyPattern;
  let field = pattern && typeof pattern === 'object' ? Object.keys(pattern)[0] : undefined;
  field ??= /dup key: \{ (\w+):/.exec(err.message)?.[1];
  if (!field) {
    const indexName = /index: (\S+)/.exec(err.message)?.[1];
    const spec = Object.values(mongoIndexes)
      .flat()
      .find((s) => s.name === indexName);
    field = spec && !(spec.key instanceof Map) ? Object.keys(spec.key)[0] : undefined;
  }
  if (!field) return 'record';
  return field === '_id' ? 'id' : field.replace(/Lower$/, '');
}

/** Runs one driver call for `method` if the storage is open, translating its errors. */
export async function mongoCall<T>(state: StorageState, method: string, fn: () => Promise<T>): Promise<T> {
  state.assertOpen(method);
  try {
    return await fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
