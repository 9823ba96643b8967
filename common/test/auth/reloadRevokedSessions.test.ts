import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LocalRevocationChannel } from '../../src/auth/revocation/LocalRevocationChannel.js';
import { RevocationRegistry } from '../../src/auth/revocation/RevocationRegistry.js';
import {
  MAX_RELOADED_SESSIONS,
  REVOCATION_MARGIN_MS,
  reloadRevokedSessions,
  sessionRevokedUntil,
} from '../../src/auth/revocation/reloadRevokedSessions.js';
import { createLogger } from '../../src/log/createLogger.js';
import { openStorage } from '../../src/storage/openStorage.js';
import type { RefreshTokenRecord } from '../../src/storage/records.js';

// reloadRevokedSessions against a real SQLite database and registry: what a service without a
// durable revocation bus (the gateway, text-channels) loads at start-up.

const ACCESS_TTL_MS = 900_000;

async function world(t: Test) {
  let clock = 1_800_000_000_000;
  const storage = await openStorage({ kind: 'sqlite', path: join(t.testdir(), 'reload.db') });
  t.teardown(() => storage.close());
  const registry = new RevocationRegistry(new LocalRevocationChannel(), { now: () => clock });
  t.teardown(() => registry.close());
  const lines: string[] = [];
  const logger = createLogger({
    name: 'reload-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  let n = 0;
  const revoked = async (familyId: string, revokedAt: number | null) => {
    n += 1;
    const token: RefreshTokenRecord = {
      id: String(n),
      familyId,
      userId: 'u',
      tokenHash: String(n).padStart(64, 'e'),
      createdAt: 0,
      expiresAt: clock + 86_400_000,
      usedAt: null,
      revokedAt,
    };
    await storage.refreshTokens.create(token);
  };
  const reload = (limit?: number) =>
    reloadRevokedSessions(registry, storage.refreshTokens, {
      accessTtlSeconds: ACCESS_TTL_MS / 1000,
      now: () => clock,
      logger,
      ...(limit ? { limit } : {}),
    });
  return {
    registry,
    revoked,
    reload,
    log: () => lines.join(''),
    now: () => clock,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

t.test(
  'the reload refuses sessions revoked within one lifetime (+ margin), until that long after',
  async (t) => {
    const w = await world(t);
    const window = ACCESS_TTL_MS + REVOCATION_MARGIN_MS;
    await w.revoked('just-now', w.now() - 1_000);
    await w.revoked('at-the-edge', w.now() - window);
    await w.revoked('too-old', w.now() - window - 1);
    await w.revoked('live', null);
    const sessions = await w.reload();
    t.same(
      sessions.map((s) => s.sessionId),
      ['just-now', 'at-the-edge'],
      'returned newest first, for the gateway to relay',
    );
    t.same(
      sessions.map((s) => s.until),
      [w.now() - 1_000 + window, w.now()],
      'each until its revocation time plus one lifetime and the margin',
    );
    t.ok(w.registry.isSessionRevoked('just-now'));
    t.notOk(w.registry.isSessionRevoked('at-the-edge'), 'listed, but its until is now: already over');
    t.notOk(w.registry.isSessionRevoked('too-old'), 'older than one lifetime: left out');
    t.notOk(w.registry.isSessionRevoked('live'));
    t.equal(sessionRevokedUntil(w.now() - 1_000, ACCESS_TTL_MS / 1000), w.now() - 1_000 + window);
    w.advance(window - 1_000 - 1);
    t.ok(w.registry.isSessionRevoked('just-now'), 'refused up to one lifetime and the margin after');
    w.advance(1);
    t.notOk(w.registry.isSessionRevoked('just-now'), 'then forgotten: its tokens have expired');
    t.match(w.log(), /"sessions":2,.*reloaded recent session revocations from the database/);
    t.notMatch(w.log(), 'more sessions were revoked recently than are reloaded');
  },
);

t.test('a reload never shortens a refusal the registry already holds', async (t) => {
  const w = await world(t);
  await w.revoked('relayed', w.now() - 1_000);
  const later = w.now() + 10 * ACCESS_TTL_MS;
  w.registry.onEvent({ type: 'session', sessionId: 'relayed', until: later });
  await w.reload();
  w.advance(ACCESS_TTL_MS + REVOCATION_MARGIN_MS);
  t.ok(w.registry.isSessionRevoked('relayed'), 'the later until stands');
});

t.test('the reload is bounded: the most recent revocations are kept and the cap is logged', async (t) => {
  const w = await world(t);
  for (const n of [1, 2, 3]) await w.revoked(`family-${n}`, w.now() - 10_000 + n);
  t.equal((await w.reload(2)).length, 2);
  t.ok(w.registry.isSessionRevoked('family-3'));
  t.ok(w.registry.isSessionRevoked('family-2'));
  t.notOk(w.registry.isSessionRevoked('family-1'), 'the oldest is the one left out');
  t.match(w.log(), /"limit":2,.*more sessions were revoked recently than are reloaded/);
  await w.revoked('family-4', w.now() - 1);
  const lines = w.log().length;
  t.equal((await w.reload(4)).length, 4, 'exactly as many as the bound');
  t.notMatch(w.log().slice(lines), 'more sessions were revoked', 'is not a cap');
  t.equal(MAX_RELOADED_SESSIONS, 100_000, 'the default bound');
});
