import { join } from 'node:path';
import { openStorage, REVOKED_SESSIONS_KEY, type Storage } from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import {
  type AuthGateway,
  bearer,
  bot,
  createApplication,
  me,
  newJwk,
  outcome,
  PASSWORD,
  registerUser,
  startAuthGateway,
} from './helpers/authGateway.js';

/** The spec: a revocation reaches every instance within one second. */
const PROPAGATION_MS = 1_000;

interface Cluster {
  redis: RedisServer;
  start: () => Promise<AuthGateway>;
}

/** Instances as deployed: one Redis, one database file, the same JWT keys, separate processes' state. */
async function cluster(t: Tap): Promise<Cluster> {
  const redis = await RedisServer.start();
  t.teardown(() => redis.stop());
  const keys = [newJwk('cluster-key')];
  const dataDir = t.testdir();
  const dbPath = join(dataDir, 'driftway.db');
  const start = async () => {
    const storage: Storage = await openStorage({ kind: 'sqlite', path: dbPath });
    t.teardown(() => storage.close());
    return startAuthGateway(t, { keys, redisUrl: redis.url, storage, env: { DATA_DIR: dataDir } });
  };
  return { redis, start };
}
interface Tap {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

const refusedWith = (gw: AuthGateway, headers: Record<string, string>, code: number) => async () => {
  const res = outcome(await me(gw.app, headers));
  return res.status === 401 && res.code === code;
};

t.test('logging out on instance A is refused on instance B within a second, cache or not', async (t) => {
  const { start } = await cluster(t);
  const a = await start();
  const b = await start();
  const session = await registerUser(a.app);
  t.equal((await me(b.app, bearer(session.access_token))).statusCode, 200, 'B verified and cached the token');

  t.equal(
    (
      await a.app.inject({
        method: 'POST',
        url: '/api/v10/auth/logout',
        headers: bearer(session.access_token),
      })
    ).statusCode,
    204,
  );
  await waitFor(refusedWith(b, bearer(session.access_token), 90019), {
    timeoutMs: PROPAGATION_MS,
    what: 'B to refuse the logged-out session',
  });
  t.pass('B refuses the session');
});

t.test('revoking a bot token on instance A is refused on instance B within a second', async (t) => {
  const { start } = await cluster(t);
  const a = await start();
  const b = await start();
  const owner = await registerUser(a.app);
  const created = await createApplication(a.app, owner);
  t.equal((await me(b.app, bot(created.token))).statusCode, 200, 'B looked the key up and cached it');

  const revoke = await a.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${created.id}/tokens/${created.token_id}`,
    headers: bearer(owner.access_token),
  });
  t.equal(revoke.statusCode, 204);
  await waitFor(refusedWith(b, bot(created.token), 90016), {
    timeoutMs: PROPAGATION_MS,
    what: 'B to refuse the revoked bot token',
  });
  t.pass('B refuses the key');
});

t.test('resetting a bot token on instance B is refused on instance A within a second', async (t) => {
  const { start } = await cluster(t);
  const a = await start();
  const b = await start();
  const owner = await registerUser(a.app);
  const created = await createApplication(a.app, owner);
  t.equal((await me(a.app, bot(created.token))).statusCode, 200, 'A cached the key');

  const reset = await b.app.inject({
    method: 'POST',
    url: `/api/v10/applications/${created.id}/bot/reset`,
    headers: bearer(owner.access_token),
  });
  t.equal(reset.statusCode, 200);
  await waitFor(refusedWith(a, bot(created.token), 90016), {
    timeoutMs: PROPAGATION_MS,
    what: 'A to refuse',
  });
  t.equal((await me(a.app, bot(reset.json().token))).statusCode, 200, 'the new key works on A');
});

t.test('a reused refresh token on A kills the session’s access tokens on B within a second', async (t) => {
  const { start } = await cluster(t);
  const a = await start();
  const b = await start();
  const session = await registerUser(a.app);
  const refresh = (token: string) => ({
    method: 'POST' as const,
    url: '/api/v10/auth/refresh',
    payload: { refresh_token: token },
  });
  const rotated = (await b.app.inject(refresh(session.refresh_token))).json();
  t.equal((await me(b.app, bearer(rotated.access_token))).statusCode, 200);

  t.same(outcome(await a.app.inject(refresh(session.refresh_token))), { status: 401, code: 90013 });
  await waitFor(refusedWith(b, bearer(rotated.access_token), 90019), {
    timeoutMs: PROPAGATION_MS,
    what: 'B to refuse',
  });
  t.pass('B refuses the family');
});

t.test('an instance started after a logout refuses the session from its first request', async (t) => {
  const { start } = await cluster(t);
  const a = await start();
  const session = await registerUser(a.app);
  await a.app.inject({ method: 'POST', url: '/api/v10/auth/logout', headers: bearer(session.access_token) });
  const until = await a.redis?.zscore(REVOKED_SESSIONS_KEY, sidOf(session.access_token));
  t.ok(Number(until) > Date.now() + 800_000, 'the revocation is recorded in Redis until the tokens expire');

  const late = await start();
  t.same(outcome(await me(late.app, bearer(session.access_token))), { status: 401, code: 90019 });
});

t.test('after Redis restarts, instances resubscribe and revocations propagate again', async (t) => {
  const { redis, start } = await cluster(t);
  const a = await start();
  const b = await start();
  const owner = await registerUser(a.app);
  const session = (
    await a.app.inject({
      method: 'POST',
      url: '/api/v10/auth/login',
      payload: { login: owner.user.username, password: PASSWORD },
    })
  ).json();
  const created = await createApplication(a.app, owner);

  await redis.kill();
  const revocationStatus = async (gw: AuthGateway) =>
    (await gw.app.inject('/ready')).json().checks.revocation.status as string;
  await waitFor(async () => (await revocationStatus(b)) === 'degraded', { what: 'B to notice' });
  t.equal((await me(b.app, bot(created.token))).statusCode, 200, 'B keeps serving from the database');
  await redis.restart();
  await waitFor(async () => (await revocationStatus(a)) === 'up' && (await revocationStatus(b)) === 'up', {
    timeoutMs: 10_000,
    what: 'both instances to resubscribe',
  });
  await waitFor(() => a.redis?.status === 'ready', { what: 'A command connection' });

  t.equal((await me(b.app, bearer(session.access_token))).statusCode, 200, 'B cached the session');
  await a.app.inject({ method: 'POST', url: '/api/v10/auth/logout', headers: bearer(session.access_token) });
  await waitFor(refusedWith(b, bearer(session.access_token), 90019), {
    timeoutMs: PROPAGATION_MS,
    what: 'B to refuse',
  });
  await a.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${created.id}/tokens/${created.token_id}`,
    headers: bearer(owner.access_token),
  });
  await waitFor(refusedWith(b, bot(created.token), 90016), {
    timeoutMs: PROPAGATION_MS,
    what: 'B to refuse the key',
  });
  t.pass('revocations propagate after the restart');
});

function sidOf(jwt: string): string {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()).sid;
}
