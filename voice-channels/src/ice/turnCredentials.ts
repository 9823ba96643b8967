import { createHmac } from 'node:crypto';
import type { IceServer } from '../engine/MediaEngine.js';

export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix seconds, as written into the username. */
  expiresAt: number;
}

/**
 * TURN REST credentials for coturn's `use-auth-secret`: the username carries its own expiry, the
 * password is an HMAC-SHA1 of it, so coturn checks them with the shared secret and no database.
 */
export function turnCredentials(
  secret: string,
  userId: string,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiresAt}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

export interface IceServerSettings {
  stunUrls: string[];
  turn: { urls: string[]; secret: string; ttlSeconds: number } | null;
}

/** What READY gives a client: STUN as configured, TURN with fresh credentials bound to the user. */
export function iceServersFor(settings: IceServerSettings, userId: string, nowMs = Date.now()): IceServer[] {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: settings.stunUrls });
  if (settings.turn) {
    const { username, credential } = turnCredentials(
      settings.turn.secret,
      userId,
      settings.turn.ttlSeconds,
      nowMs,
    );
    servers.push({ urls: settings.turn.urls, username, credential });
  }
  return servers;
}
