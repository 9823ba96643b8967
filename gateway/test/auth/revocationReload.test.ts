import { join } from 'node:path';
import {
  createLogger,
  LocalRevocationChannel,
  openStorage,
  type RefreshTokenRecord,
  RevocationRegistry,
  type Storage,
} from '@driftway/common';
import { RedisServer } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import {
  MAX_RELOADED_SESSIONS,
  REVOCATION_MARGIN_MS,
  reloadRevokedSessions,
  sessionRevokedUntil,
} from '../../src/auth/reloadRevokedSessions.js';
import {
  type AuthGatewayOptions,
  bearer,
  me,
  newJwk,
  outcome,
  PASSWORD,
  registerUser,
  startAuthGateway,
} from './helpers/authGateway.js';

// Without Redis, revoked sessions live in the gateway's memory. A restarted gateway re-reads the
// ones whose access tokens may still be alive from the database, before it serves a request.

const RELOADED = 'reloaded recent session revocations from the database';
const ACCESS_TTL_MS = 900_000;

/** Gateways started one after another over one SQLite file and one signing key, as restarts are. */
function restartable(t: Test, options: Omit<AuthGatewayOptions, 'storage' | 'keys'> = {}) {
  const dataDir = t.testdir();
  const keys = [newJwk('restart-key')];
  return async () => {
    const storage: Storage = await openStorage({ kind: 'sqlite', path: join(dataDir, 'driftway.db') });
    t.teardown(() => storage.close());
    const gw = await startAuthGateway(t, {
      ...options,
      keys,
      storage,
      env: { DATA_DIR: dataDir, ...options.env },
    });
    // Stopping the gateway process: the app and its database connection, nothing else kept.
    const stop = async () => {
      await gw.app.close();
      await storage.close();
    };
    return { ...gw, stop };
  };
}

const logout = (token: string) => ({
  method: 'POST' as const,
  url: '/api/v10/auth/logout',
  headers: bearer(token),
});

t.test(
  'after a gateway restart a logged-out access token is still refused (401 90019); others and new logins work',
  async (t) => {
    const start = restartable(t);
    const before = await start();
    const alice = await registerUser(before.app);
    const bob = await registerUser(before.app);
    t.equal((await before.app.inject(logout(alice.access_token))).statusCode, 204);
    t.same(outcome(await me(before.app, bearer(alice.access_token))), { status: 401, code: 90019 });
    await before.stop();

    const after = await start();
    t.same(
      outcome(await me(after.app, bearer(alice.access_token))),
      { status: 401, code: 90019 },
      'the logged-out session is refused from the first request after the restart',
    );
    t.equal((await me(after.app, bearer(bob.access_token))).statusCode, 200, 'a live session still works');
    const refreshed = await after.app.inject({
      method: 'POST',
      url: '/api/v10/auth/refresh',
      payload: { refresh_token: alice.refresh_token },
    });
    t.same(outcome(refreshed), { status: 401, code: 90012 }, 'its refresh token stays revoked');
    const login = await after.app.inject({
      method: 'POST',
      url: '/api/v10/auth/login',
      payload: { login: alice.user.username, password: PASSWORD },
    });
    t.equal(login.statusCode, 200, 'a fresh login works');
    t.equal((await me(after.app, bearer(login.json().access_token))).statusCode, 200, 'and its token too');
    t.match(after.logText(), new RegExp(`"sessions":1,.*${RELOADED}`));
    for (const secret of [alice.access_token, alice.refresh_token, bob.access_token])
      t.notOk(after.logText().includes(secret), 'no token in the log');
  },
);

t.test('a session revoked longer ago than the access-token lifetime is not reloaded', async (t) => {
  let clock = Date.now();
  const start = restartable(t, { now: () => clock });
  const before = await start();
  const long = await registerUser(before.app);
  t.equal((await before.app.inject(logout(long.access_token))).statusCode, 204);
  clock += ACCESS_TTL_MS;
  const recent = await registerUser(before.app);
  t.equal((await before.app.inject(logout(recent.access_token))).statusCode, 204);
  await before.stop();

  // The first logout is now one lifetime and its margin ago (+1 ms): every token of it has expired.
  clock += REVOCATION_MARGIN_MS + 1;
  const after = await start();
  t.match(after.logText(), new RegExp(`"sessions":1,.*${RELOADED}`), 'only the recent logout');
  t.same(
    outcome(await me(after.app, bearer(long.access_token))),
    { status: 401, code: 90011 },
    'the old token is refused as expired, which needs no revocation',
  );
});

t.test('with BUS=redis the database is not re-read: Redis keeps the revocations', async (t) => {
  const redis = await RedisServer.start();
  t.teardown(() => redis.stop());
  const start = restartable(t, { redisUrl: redis.url });
  const before = await start();
  const session = await registerUser(before.app);
  t.equal((await before.app.inject(logout(session.access_token))).statusCode, 204);
  await before.stop();

  const after = await start();
  t.notOk(after.logText().includes(RELOADED), 'no reload from the database');
  t.same(
    outcome(await me(after.app, bearer(session.access_token))),
    { status: 401, code: 90019 },
    'refused all the same, from the Redis set',
  );
});

// ---------------------------------------------------------------------------------------------
// reloadRevokedSessions against a real SQLite database and registry

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
    reloadRevokedSessions({
      storage,
      registry,
      relay: null,
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
    t.equal(await w.reload(), 2);
    t.ok(w.registry.isSessionRevoked('just-now'));
    t.notOk(w.registry.isSessionRevoked('at-the-edge'), 'listed, but its until is now: already over');
    t.notOk(w.registry.isSessionRevoked('too-old'), 'older than one lifetime: left out');
    t.notOk(w.registry.isSessionRevoked('live'));
    t.equal(sessionRevokedUntil(w.now() - 1_000, ACCESS_TTL_MS / 1000), w.now() - 1_000 + window);
    w.advance(window - 1_000 - 1);
    t.ok(w.registry.isSessionRevoked('just-now'), 'refused up to one lifetime and the margin after');
    w.advance(1);
    t.notOk(w.registry.isSessionRevoked('just-now'), 'then forgotten: its tokens have expired');
    t.notMatch(w.log(), 'more sessions were revoked recently than are reloaded');
  },
);

t.test('the reload is bounded: the most recent revocations are kept and the cap is logged', async (t) => {
  const w = await world(t);
  for (const n of [1, 2, 3]) await w.revoked(`family-${n}`, w.now() - 10_000 + n);
  t.equal(await w.reload(2), 2);
  t.ok(w.registry.isSessionRevoked('family-3'));
  t.ok(w.registry.isSessionRevoked('family-2'));
  t.notOk(w.registry.isSessionRevoked('family-1'), 'the oldest is the one left out');
  t.match(w.log(), /"limit":2,.*more sessions were revoked recently than are reloaded/);
  await w.revoked('family-4', w.now() - 1);
  const lines = w.log().length;
  t.equal(await w.reload(4), 4, 'exactly as many as the bound');
  t.notMatch(w.log().slice(lines), 'more sessions were revoked', 'is not a cap');
  t.equal(MAX_RELOADED_SESSIONS, 100_000, 'the default bound');
});
