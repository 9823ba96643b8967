import type { Logger, RevocationRegistry, RevokedSession, Storage } from '@driftway/common';
import type { RevocationRelay } from './RevocationRelay.js';

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
 * that (refresh refuses a revoked family), so the last one expires within one lifetime.
 */
export function sessionRevokedUntil(revokedAt: number, accessTtlSeconds: number): number {
  return revokedAt + accessTtlSeconds * 1000 + REVOCATION_MARGIN_MS;
}

export interface ReloadRevokedSessionsOptions {
  storage: Storage;
  registry: RevocationRegistry;
  /** Embedded mode with TEXT_INTERNAL_URL: text-channels is told too (it restarted with us). */
  relay: RevocationRelay | null;
  accessTtlSeconds: number;
  now: () => number;
  logger: Logger;
  limit?: number;
}

/**
 * BUS=local keeps revoked sessions in memory only, so a restarted gateway would accept a
 * logged-out session's access tokens again until they expire. At start-up, before it listens, it
 * re-reads from the database the sessions revoked recently enough for their access tokens to be
 * alive, refuses them here, and relays them to text-channels. Returns how many it reloaded.
 */
export async function reloadRevokedSessions(o: ReloadRevokedSessionsOptions): Promise<number> {
  const since = o.now() - (o.accessTtlSeconds * 1000 + REVOCATION_MARGIN_MS);
  const limit = o.limit ?? MAX_RELOADED_SESSIONS;
  // One more than the bound, so "capped" is known rather than guessed from a full page.
  const found = await o.storage.refreshTokens.listRevokedSince(since, limit + 1);
  const families = found.slice(0, limit);
  const sessions: RevokedSession[] = families.map((f) => ({
    sessionId: f.familyId,
    until: sessionRevokedUntil(f.revokedAt, o.accessTtlSeconds),
  }));
  // Straight into the registry, not revokeSession(): publishing would only echo them back here.
  for (const s of sessions) o.registry.onEvent({ type: 'session', ...s });
  if (sessions.length > 0) o.relay?.sendSessions(sessions);
  if (found.length > limit)
    o.logger.warn(
      { limit, since },
      'more sessions were revoked recently than are reloaded: the oldest of them are accepted until their access tokens expire',
    );
  o.logger.info(
    { sessions: sessions.length, since },
    'reloaded recent session revocations from the database',
  );
  return sessions.length;
}
