/**
 * Storage documents: what the database holds. Wire types (Discord-shaped JSON) are built from these
 * in each service and never stored as-is. Times are epoch milliseconds; ids are Snowflake strings.
 */

export interface UserRecord {
  id: string;
  /** Unique, case-insensitive (compared lower-cased). */
  username: string;
  globalName: string | null;
  /** Unique, lower-cased; null for bots. */
  email: string | null;
  /** scrypt hash string (`scrypt$N$r$p$salt$hash`); null for bots. */
  passwordHash: string | null;
  bot: boolean;
  avatar: string | null;
  createdAt: number;
}

/** One refresh token. Tokens of one login form a family; reusing a used token revokes the family. */
export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  /** SHA-256 (hex) of the opaque token; the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

/** A revoked session (refresh family) and when it was revoked: what a restarted instance reloads. */
export interface RevokedFamilyRecord {
  familyId: string;
  revokedAt: number;
}

export interface ApplicationRecord {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  /** The bot user created with the application (same id space as users). */
  botUserId: string;
  createdAt: number;
}

/** A bot API key. Several may exist per application (e.g. during a rotation); each is revocable. */
export interface BotTokenRecord {
  id: string;
  applicationId: string;
  botUserId: string;
  /** SHA-256 (hex) of the token. */
  tokenHash: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
}
