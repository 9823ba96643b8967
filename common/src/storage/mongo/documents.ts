import { normalizeEmail, usernameKey } from '../normalize.js';
import type { ApplicationRecord, BotTokenRecord, RefreshTokenRecord, UserRecord } from '../records.js';

/**
 * What the MongoDB collections hold, and the mapping both ways. `_id` is the record's Snowflake id
 * (a string, so no ObjectId ever appears); the mappers copy named fields only, so `_id` and derived
 * fields such as `usernameLower` never leak into records.
 */

export const COLLECTIONS = {
  users: 'users',
  refreshTokens: 'refresh_tokens',
  applications: 'applications',
  botTokens: 'bot_tokens',
} as const;

export interface UserDoc {
  _id: string;
  username: string;
  /** The unique, case-insensitive lookup key (see normalize.ts). */
  usernameLower: string;
  globalName: string | null;
  email: string | null;
  passwordHash: string | null;
  bot: boolean;
  avatar: string | null;
  createdAt: number;
}

export interface RefreshTokenDoc {
  _id: string;
  familyId: string;
  userId: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

export interface ApplicationDoc {
  _id: string;
  ownerId: string;
  name: string;
  description: string;
  botUserId: string;
  createdAt: number;
}

export interface BotTokenDoc {
  _id: string;
  applicationId: string;
  botUserId: string;
  tokenHash: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
}

export function userToDoc(user: UserRecord): UserDoc {
  return {
    _id: user.id,
    username: user.username,
    usernameLower: usernameKey(user.username),
    globalName: user.globalName,
    email: normalizeEmail(user.email),
    passwordHash: user.passwordHash,
    bot: user.bot,
    avatar: user.avatar,
    createdAt: user.createdAt,
  };
}

export function userFromDoc(doc: UserDoc): UserRecord {
  return {
    id: doc._id,
    username: doc.username,
    globalName: doc.globalName,
    email: doc.email,
    passwordHash: doc.passwordHash,
    bot: doc.bot,
    avatar: doc.avatar,
    createdAt: doc.createdAt,
  };
}

export function refreshTokenToDoc(token: RefreshTokenRecord): RefreshTokenDoc {
  return {
    _id: token.id,
    familyId: token.familyId,
    userId: token.userId,
    tokenHash: token.tokenHash,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    usedAt: token.usedAt,
    revokedAt: token.revokedAt,
  };
}

export function refreshTokenFromDoc(doc: RefreshTokenDoc): RefreshTokenRecord {
  return {
    id: doc._id,
    familyId: doc.familyId,
    userId: doc.userId,
    tokenHash: doc.tokenHash,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt,
    revokedAt: doc.revokedAt,
  };
}

export function applicationToDoc(app: ApplicationRecord): ApplicationDoc {
  return {
    _id: app.id,
    ownerId: app.ownerId,
    name: app.name,
    description: app.description,
    botUserId: app.botUserId,
    createdAt: app.createdAt,
  };
}

export function applicationFromDoc(doc: ApplicationDoc): ApplicationRecord {
  return {
    id: doc._id,
    ownerId: doc.ownerId,
    name: doc.name,
    description: doc.description,
    botUserId: doc.botUserId,
    createdAt: doc.createdAt,
  };
}

export function botTokenToDoc(token: BotTokenRecord): BotTokenDoc {
  return {
    _id: token.id,
    applicationId: token.applicationId,
    botUserId: token.botUserId,
    tokenHash: token.tokenHash,
    // A copy, so the caller's array and the stored one never alias (the driver serialises it anyway).
    scopes: [...token.scopes],
    createdAt: token.createdAt,
    revokedAt: token.revokedAt,
  };
}

export function botTokenFromDoc(doc: BotTokenDoc): BotTokenRecord {
  return {
    id: doc._id,
    applicationId: doc.applicationId,
    botUserId: doc.botUserId,
    tokenHash: doc.tokenHash,
    scopes: [...doc.scopes],
    createdAt: doc.createdAt,
    revokedAt: doc.revokedAt,
  };
}
