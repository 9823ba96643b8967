import { createHash, randomBytes } from 'node:crypto';

/** What the database keeps instead of a refresh token or bot key: its SHA-256, in hex. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A refresh token: 32 random bytes, base64url. Opaque; only its hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A bot key shaped like Discord's: `base64url(bot user id).base64url(issued, seconds).secret`, the
 * secret being 32 random bytes. Only the secret makes it unguessable; the first two parts let
 * libraries read the bot id from a token as they do with Discord's.
 */
export function newBotToken(botUserId: string, nowMs: number): string {
  const issued = Buffer.alloc(4);
  issued.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0);
  return [
    Buffer.from(botUserId, 'utf8').toString('base64url'),
    issued.toString('base64url'),
    randomBytes(32).toString('base64url'),
  ].join('.');
}

/** Cheap shape check, so garbage never costs a database lookup. */
export const BOT_TOKEN_SHAPE = /^[A-Za-z0-9_-]{2,40}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{43}$/;
/** Refresh tokens: exactly 32 bytes in base64url. */
export const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
