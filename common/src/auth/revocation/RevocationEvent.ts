/** Redis pub/sub channel every instance (gateway, text-channels) listens on for revocations. */
export const REVOCATION_CHANNEL = 'driftway:auth:revocations';

/**
 * Sorted set of revoked session ids scored by the time until which they must stay refused (the
 * lifetime of the access tokens already issued for them). An instance that starts, or reconnects,
 * after a revocation was broadcast reads it from here.
 */
export const REVOKED_SESSIONS_KEY = 'driftway:auth:revoked-sessions';

/**
 * BUS=local (embedded mode, no Redis to share): the gateway POSTs each event here on text-channels
 * as a signed service call (internal/ServiceCalls.ts), and text-channels treats it as a message on
 * the channel.
 */
export const REVOCATION_PATH = '/internal/revocations';

export type RevocationEvent =
  /** A refresh family (logout, reused refresh token): its access tokens are refused until `until` (ms). */
  | { type: 'session'; sessionId: string; until: number }
  /** A bot API key was revoked or reset: drop it from every cache. */
  | { type: 'bot_token'; tokenId: string };

export interface RevokedSession {
  sessionId: string;
  until: number;
}

/**
 * BUS=local only, gateway → text-channels on REVOCATION_PATH, never on the Redis channel: the session
 * revocations a starting gateway reloaded from its database (its registry is in memory), many per
 * call, since there can be more of them than the relay queues single events.
 */
export interface RevokedSessionBatch {
  type: 'sessions';
  sessions: RevokedSession[];
}

/** Sessions per batch: ~70 bytes each, so a call stays far below the services' 1 MiB body limit. */
export const MAX_SESSIONS_PER_BATCH = 500;

/** What REVOCATION_PATH accepts. */
export type RelayedRevocation = RevocationEvent | RevokedSessionBatch;

/** Parses a message from the channel; anything unexpected (another version, garbage) is null. */
export function parseRevocationEvent(raw: string): RevocationEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const e = value as Record<string, unknown>;
  if (e.type === 'session' && typeof e.sessionId === 'string' && typeof e.until === 'number')
    return { type: 'session', sessionId: e.sessionId, until: e.until };
  if (e.type === 'bot_token' && typeof e.tokenId === 'string')
    return { type: 'bot_token', tokenId: e.tokenId };
  return null;
}
