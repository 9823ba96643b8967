import { createHmac } from 'node:crypto';
import type { IceServer } from '../engine/MediaEngine.js';

export interface TurnCredentials {
  username: string;
  credential: string;
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
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
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
