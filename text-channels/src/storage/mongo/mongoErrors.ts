import { commonErrors } from '@driftway/common';
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import type { MongoTextState } from './MongoTextState.js';

export const DUPLICATE_KEY = 11000;

/** Record fields named differently from the index key that protects them (as in sqliteErrors.ts). */
const FIELD_ALIASES: Record<string, string> = { dmKey: 'recipientIds' };

/** Whether `err` is a duplicate key on an index whose key includes `field`. */
export function isDuplicateOn(err: unknown, field: string): boolean {
  if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) return false;
  const pattern: unknown = err.keyPattern ?? err.errorResponse?.keyPattern;
  if (pattern && typeof pattern === 'object') return Object.hasOwn(pattern, field);
  return err.message.includes(`${field}:`) || err.message.includes(`${field}_`);
}

/**
 * Turns a driver error into the ports' errors, as the accounts adapter does: duplicate key (11000)
 * becomes STORE_CONFLICT naming the field (`idField` for `_id`, which is the code of an invite and
 * the (guild, user) pair of a member), a lost or unreachable server STORE_UNAVAILABLE; both keep
 * the driver error as `cause`. Anything else is returned unchanged.
 */
export function toStoreError(err: unknown, idField = 'id'): unknown {
  if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
    return commonErrors.create('STORE_CONFLICT', {
      params: { what: duplicateKeyField(err, idField) },
      cause: err,
    });
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

/** The record field a duplicate key error is about: the first key of the index, named as a record field. */
export function duplicateKeyField(err: MongoServerError, idField = 'id'): string {
  const pattern: unknown = err.keyPattern ?? err.errorResponse?.keyPattern;
  let field = pattern && typeof pattern === 'object' ? Object.keys(pattern)[0] : undefined;
  field ??= /dup key: \{ (\w+):/.exec(err.message)?.[1];
  if (!field) return 'record';
  if (field === '_id') return idField;
  return FIELD_ALIASES[field] ?? field;
}

/** Runs one driver call for `method` if the storage is open, tracked for close(), translating its errors. */
export async function mongoCall<T>(
  state: MongoTextState,
  method: string,
  fn: () => Promise<T>,
  idField = 'id',
): Promise<T> {
  state.assertOpen(method);
  try {
    return await state.track(fn());
  } catch (err) {
    throw toStoreError(err, idField);
  }
}
