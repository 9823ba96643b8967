import type {
  ApplicationRecord,
  BotTokenRecord,
  RefreshTokenRecord,
  RevokedFamilyRecord,
  UserRecord,
} from './records.js';

/**
 * Storage ports. Every adapter (sqlite/, mongo/) implements all of them and passes the one
 * contract suite in test/storage. Methods go create, read, update, delete. A uniqueness violation
 * throws a DriftwayError with key STORE_CONFLICT and `params.what` naming the field ('id' for a
 * reused id); an unreachable database throws STORE_UNAVAILABLE with the driver error as `cause`.
 * After Storage.close(), every method rejects with an InvalidStateError naming it.
 * "Oldest first" means by createdAt, ties broken by id as a Snowflake (numerically).
 */

export interface UserStore {
  /** Inserts a user, email lower-cased; STORE_CONFLICT (what: 'username' | 'email') if either is taken. */
  create(user: UserRecord): Promise<void>;
  /** The user with this id, or null. */
  getById(id: string): Promise<UserRecord | null>;
  /** Users with these ids, in no particular order; unknown ids are skipped. */
  getMany(ids: string[]): Promise<UserRecord[]>;
  /** Lookup by email, case-insensitive. */
  getByEmail(email: string): Promise<UserRecord | null>;
  /** Lookup by username, case-insensitive. */
  getByUsername(username: string): Promise<UserRecord | null>;
  /** Applies a partial update; returns the updated user or null if unknown. STORE_CONFLICT as create. */
  update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<UserRecord | null>;
  /** Removes the user; true if it existed. */
  delete(id: string): Promise<boolean>;
}

export interface RefreshTokenStore {
  /** Stores a new refresh token; STORE_CONFLICT (what: 'tokenHash') if the hash exists. */
  create(token: RefreshTokenRecord): Promise<void>;
  /** The token with this hash, or null. */
  getByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Families with a token revoked at or after `since`, one entry each with its latest revocation
   * time, newest first (ties by familyId), at most `limit` (≥ 1): the sessions whose access tokens may
   * still be alive, which an instance without a durable revocation bus reloads at start-up.
   */
  listRevokedSince(since: number, limit: number): Promise<RevokedFamilyRecord[]>;
  /**
   * Atomically marks an unused, unrevoked token as used at `at`. Returns true only for the one
   * caller that won; a second concurrent rotation of the same token gets false (and is a reuse).
   */
  markUsed(id: string, at: number): Promise<boolean>;
  /** Revokes every token of a family; returns how many were newly revoked. */
  revokeFamily(familyId: string, at: number): Promise<number>;
  /** Revokes every token of a user (log out everywhere, password change). */
  revokeAllForUser(userId: string, at: number): Promise<number>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

export interface ApplicationStore {
  /** Inserts an application; STORE_CONFLICT (what: 'botUserId') if the bot user already has one. */
  create(app: ApplicationRecord): Promise<void>;
  /** The application with this id, or null. */
  getById(id: string): Promise<ApplicationRecord | null>;
  /** The application that owns this bot user, or null. */
  getByBotUserId(botUserId: string): Promise<ApplicationRecord | null>;
  /** Applications owned by a user, oldest first. */
  listByOwner(ownerId: string): Promise<ApplicationRecord[]>;
  /** Partial update of name/description; the updated record or null. */
  update(
    id: string,
    patch: Partial<Pick<ApplicationRecord, 'name' | 'description'>>,
  ): Promise<ApplicationRecord | null>;
  /** Removes the application; true if it existed. */
  delete(id: string): Promise<boolean>;
}

export interface BotTokenStore {
  /** Stores a new bot token; STORE_CONFLICT (what: 'tokenHash') if the hash exists. */
  create(token: BotTokenRecord): Promise<void>;
  /** The token with this hash (revoked ones included, so callers can tell why it fails), or null. */
  getByHash(tokenHash: string): Promise<BotTokenRecord | null>;
  /** The token with this id, or null. */
  getById(id: string): Promise<BotTokenRecord | null>;
  /** An application's tokens, oldest first, revoked ones included. */
  listByApplication(applicationId: string): Promise<BotTokenRecord[]>;
  /** Revokes one token; true if it was live. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Revokes every live token of an application; the ids this call revoked, oldest first. */
  revokeAllForApplication(applicationId: string, at: number): Promise<string[]>;
}

/** All ports of one database, plus its lifecycle. */
export interface Storage {
  readonly kind: 'sqlite' | 'mongo';
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly applications: ApplicationStore;
  readonly botTokens: BotTokenStore;
  /** Cheap round trip for /ready. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
