import type { Logger } from '../../log/createLogger.js';
import type { RefreshTokenStore } from '../../storage/ports.js';
import type { RevokedSession } from './RevocationEvent.js';
import type { RevocationRegistry } from './RevocationRegistry.js';

/**
 * Margin added to a session revocation beyond the access-token lifetime, covering the verifiers'
 * clock tolerance and skew between instances.
 */
export const REVOCATION_MARGIN_MS = 60_000;

/**
 * The most sessions one start-up reloads. The window (one access-token lifetime) already bounds
 * them; this bounds memory and start-up time should logouts come in a flood.
 */
export const MAX_RELOADED_SESSIONS = 100_000;

/**
 * Until when a session revoked at `revokedAt` is refused: no access token of it was issued after
 * that (refresh refuses a revoked family), so the last one expires within one lifetime. The one
 * rule for a logout as it happens and for every reload, in every service, so all of them agree.
 */
export function sessionRevokedUntil(revokedAt: number, accessTtlSeconds: number): number {
  return revokedAt + accessTtlSeconds * 1000 + REVOCATION_MARGIN_MS;
}

export interface ReloadRevokedSessionsOptions {
  /** ACCESS_TOKEN_TTL_SECONDS: how long an access token issued just before a revocation lives. */
  accessTtlSeconds: number;
  now: () => number;
  logger: Logger;
  /** At most this many (the most recent); default MAX_RELOADED_SESSIONS. */
  limit?: number;
}

/**
 * Without a durable revocation bus (BUS=local) revoked sessions live in each process's memory, so
 * a restarted service would accept a logged-out session's access tokens again until they expire.
 * At start-up, before it serves anyone, a service re-reads from the accounts database the sessions
 * revoked recently enough for their access tokens to be alive and refuses them in `registry`.
 * Returns them (the gateway relays them to text-channels).
 */
export async function reloadRevokedSessions(
  registry: Pick<RevocationRegistry, 'onEvent'>,
  store: Pick<RefreshTokenStore, 'listRevokedSince'>,
  o: ReloadRevokedSessionsOptions,
): Promise<RevokedSession[]> {
  const since = o.now() - (o.accessTtlSeconds * 1000 + REVOCATION_MARGIN_MS);
  const limit = o.limit ?? MAX_RELOADED_SESSIONS;
  // One more than the bound, so "capped" is known rather than guessed from a full page.
  const found = await store.listRevokedSince(since, limit + 1);
  const sessions: RevokedSession[] = found.slice(0, limit).map((f) => ({
    sessionId: f.familyId,
    until: sessionRevokedUntil(f.revokedAt, o.accessTtlSeconds),
  }));
  // Straight into the registry, not revokeSession(): publishing would only echo them back here.
  for (const s of sessions) registry.onEvent({ type: 'session', ...s });
  if (found.length > limit)
    o.logger.warn(
      { limit, since },
      'more sessions were revoked recently than are reloaded: the oldest of them are accepted until their access tokens expire',
    );
  o.logger.info(
    { sessions: sessions.length, since },
    'reloaded recent session revocations from the database',
  );
  return sessions;
}
