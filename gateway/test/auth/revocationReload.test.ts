import { join } from 'node:path';
import { openStorage, REVOCATION_MARGIN_MS, type Storage } from '@driftway/common';
import { RedisServer } from '@driftway/common/testing';
import t, { type Test } from 'tap';
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
// ones whose access tokens may still be alive from the database, before it serves a request. The
// function itself (window, bound, "until" rule) is tested in common/test/auth/reloadRevokedSessions.

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
