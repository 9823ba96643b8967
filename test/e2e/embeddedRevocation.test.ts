import { freePort } from '@driftway/common/testing';
import t from 'tap';
import {
  newJwk,
  outcome,
  PASSWORD,
  type PrivateJwk,
  registerUser,
} from '../../gateway/test/auth/helpers/authGateway.js';
import { Intents } from '../../text-channels/src/realtime/intents.js';
import { INTERNAL_SECRET, startText } from '../../text-channels/test/helpers/textHarness.js';
import { GatewayClient } from '../../text-channels/test/realtime/helpers/GatewayClient.js';
import {
  type Account,
  bearer,
  type Identified,
  type RealtimeWorld,
  realtimeWorld,
} from '../../text-channels/test/realtime/helpers/realtimeWorld.js';

// Embedded mode as `npm start` wires it: the gateway and text-channels apart, BUS=local, no Redis,
// sharing the accounts database and the internal secret, the gateway told text-channels' REST
// address (TEXT_INTERNAL_URL). Instant revocation must hold there too: a logout, a reused refresh
// token or a revoked bot key closes the live real-time sessions with 4004, within 2 s.

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

/**
 * The two services on a text port of their own. A restart passes the previous run's data dir and
 * signing keys, as `npm start` finds them under DATA_DIR. `relay: false` leaves the gateway without
 * TEXT_INTERNAL_URL: nothing it revokes reaches text-channels but through the database.
 */
async function embeddedWorld(
  t: TestLike,
  options: { dataDir?: string; keys?: PrivateJwk[]; relay?: boolean } = {},
): Promise<RealtimeWorld> {
  const textPort = await freePort();
  return realtimeWorld(t, {
    env: { TEXT_HTTP_PORT: String(textPort) },
    gatewayEnv: {
      INTERNAL_SECRET,
      ...(options.relay === false ? {} : { TEXT_INTERNAL_URL: `http://127.0.0.1:${textPort}` }),
      ...(options.keys ? { JWT_PRIVATE_KEYS: JSON.stringify(options.keys) } : {}),
    },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
}

/** Stops text-channels as its process would end: everything in its memory is gone. */
async function stopText(world: RealtimeWorld): Promise<void> {
  await world.h.app.close();
  await world.h.storage.close();
  await world.h.accounts.close();
}

/** Stops both services as their processes would end. */
async function stopWorld(world: RealtimeWorld): Promise<void> {
  await stopText(world);
  await world.gateway.app.close();
  await world.gateway.storage.close();
}

const w = await embeddedWorld(t);
t.equal(w.gateway.config.bus.kind, 'local', 'the gateway has no shared bus');
t.equal(w.h.config.bus.kind, 'local', 'neither has text-channels');

const CLOSE_WITHIN_MS = 2_000;

async function refusedByIdentify(token: string, world = w): Promise<number> {
  const client = await world.connect();
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 2, d: { token, intents: Intents.GUILDS, properties: {} } });
  return (await client.waitClose()).code;
}

/**
 * The first IDENTIFY with `token` on a fresh connection: 'READY' if it was let in, else the close
 * code it was refused with. A READY followed later by a close counts as let in.
 */
async function firstIdentify(
  token: string,
  connect: () => Promise<GatewayClient>,
): Promise<'READY' | number> {
  const client = await connect();
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 2, d: { token, intents: Intents.GUILDS, properties: {} } });
  try {
    await client.waitDispatch('READY');
    return 'READY';
  } catch (err) {
    // Closed before any READY (waitFor looks at what arrived before it looks at the close).
    const closed = await client.waitClose(1).catch(() => null);
    if (closed) return closed.code;
    throw err;
  }
}

async function stillOpen(session: Identified): Promise<boolean> {
  session.client.send({ op: 1, d: session.client.lastSeq() });
  return (await session.client.waitFor((p) => p.op === 11, 'HEARTBEAT_ACK')) !== null;
}

t.test(
  'a logout closes that login’s real-time sessions with 4004 within 2 s; its token is refused',
  async (t) => {
    const alice = await w.user('alice');
    await w.guild(alice);
    const first = await w.identify(alice);
    const second = await w.identify(alice);
    const bob = await w.user('bob');
    const bystander = await w.identify(bob);

    const logout = await w.gateway.app.inject({
      method: 'POST',
      url: '/api/v10/auth/logout',
      headers: bearer(alice.token),
    });
    t.equal(logout.statusCode, 204);
    t.equal((await first.client.waitClose(CLOSE_WITHIN_MS)).code, 4004);
    t.equal((await second.client.waitClose(CLOSE_WITHIN_MS)).code, 4004);
    t.ok(await stillOpen(bystander), 'another user’s session stays');

    const resume = await w.connect();
    await resume.waitFor((p) => p.op === 10, 'HELLO');
    resume.send({
      op: 6,
      d: { token: alice.token, session_id: first.ready.d.session_id, seq: first.client.lastSeq() },
    });
    t.equal((await resume.waitFor((p) => p.op === 9, 'INVALID_SESSION')).d, false, 'RESUME is refused');
    t.equal(await refusedByIdentify(alice.token), 4004, 'so is a new IDENTIFY with the token');
  },
);

t.test('a reused refresh token revokes the session there too (4004 within 2 s)', async (t) => {
  const session = await registerUser(w.gateway.app);
  const account = { token: session.access_token } as Account;
  const live = await w.identify(account);
  const refresh = (token: string) =>
    w.gateway.app.inject({ method: 'POST', url: '/api/v10/auth/refresh', payload: { refresh_token: token } });
  t.equal((await refresh(session.refresh_token)).statusCode, 200, 'the first rotation');
  t.equal((await refresh(session.refresh_token)).statusCode, 401, 'the reuse');
  t.equal((await live.client.waitClose(CLOSE_WITHIN_MS)).code, 4004);
  t.equal(await refusedByIdentify(session.access_token), 4004);
});

t.test('a revoked bot key closes its sessions with 4004 within 2 s; other bots stay', async (t) => {
  const alice = await w.user('alice');
  const bot = await w.bot(alice);
  const other = await w.bot(alice, { name: 'Other' });
  const session = await w.identify(bot, Intents.GUILDS);
  const untouched = await w.identify(other, Intents.GUILDS);
  const revoked = await w.gateway.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${bot.applicationId}/tokens/${bot.identity.sessionId}`,
    headers: bearer(alice.token),
  });
  t.equal(revoked.statusCode, 204);
  t.equal((await session.client.waitClose(CLOSE_WITHIN_MS)).code, 4004);
  t.ok(await stillOpen(untouched), 'the other bot is still connected');
  t.equal(await refusedByIdentify(bot.token), 4004, 'the revoked key is refused by IDENTIFY');
});

t.test('resetting a bot’s key or deleting its application closes its sessions within 2 s', async (t) => {
  const alice = await w.user('alice');
  const reset = await w.bot(alice, { name: 'Reset' });
  const deleted = await w.bot(alice, { name: 'Deleted' });
  const resetSession = await w.identify(reset, Intents.GUILDS);
  const deletedSession = await w.identify(deleted, Intents.GUILDS);
  const resetRes = await w.gateway.app.inject({
    method: 'POST',
    url: `/api/v10/applications/${reset.applicationId}/bot/reset`,
    headers: bearer(alice.token),
  });
  t.equal(resetRes.statusCode, 200, 'the key is reset');
  t.equal((await resetSession.client.waitClose(CLOSE_WITHIN_MS)).code, 4004, 'reset');
  const deleteRes = await w.gateway.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${deleted.applicationId}`,
    headers: bearer(alice.token),
  });
  t.equal(deleteRes.statusCode, 204, 'the application is deleted');
  t.equal((await deletedSession.client.waitClose(CLOSE_WITHIN_MS)).code, 4004, 'application deleted');
});

t.test(
  'text-channels restarted on its own, out of the relay’s reach, refuses logged-out tokens from the first IDENTIFY',
  async (t) => {
    const dataDir = t.testdir();
    const world = await embeddedWorld(t, { dataDir });
    const alice = await world.user('alice');
    const carol = await world.user('carol');
    const bob = await world.user('bob');
    const logout = (account: Account) =>
      world.gateway.app.inject({
        method: 'POST',
        url: '/api/v10/auth/logout',
        headers: bearer(account.token),
      });
    t.equal((await logout(alice)).statusCode, 204, 'a logout before text-channels stops');

    // Only text-channels stops. The gateway keeps running, relaying to text-channels' old port,
    // where nothing listens any more: the restarted instance (on another port) hears nothing from it.
    await stopText(world);
    t.equal((await logout(carol)).statusCode, 204, 'a logout while text-channels is down');
    const text = await startText(t, { dataDir, env: world.instanceEnv });
    const connect = async () => {
      const client = await GatewayClient.connect(text.wsUrl);
      t.teardown(() => client.terminate());
      return client;
    };

    t.equal(await firstIdentify(alice.token, connect), 4004, 'refused outright: no READY first');
    t.equal(await firstIdentify(carol.token, connect), 4004, 'so is the one logged out meanwhile');
    t.equal(await firstIdentify(bob.token, connect), 'READY', 'a session that was not logged out identifies');
  },
);

/**
 * After a full restart the gateway relays what it reloaded once text-channels answers (retries at
 * 0.25, 0.75, 1.75 s…), which here usually lands before the first IDENTIFY, so the restart is run
 * both ways: without the relay, only text-channels' own reload can refuse the token; with it, as
 * `npm start` runs, the two must agree.
 */
for (const relay of [false, true]) {
  t.test(
    `after both services restart (${relay ? 'with' : 'without'} the relay), the first IDENTIFY with a logged-out token is refused outright (4004)`,
    async (t) => {
      const dataDir = t.testdir();
      const keys = [newJwk('embedded-restart')];
      const before = await embeddedWorld(t, { dataDir, keys });
      const alice = await before.user('alice');
      const bob = await before.user('bob');
      const logout = await before.gateway.app.inject({
        method: 'POST',
        url: '/api/v10/auth/logout',
        headers: bearer(alice.token),
      });
      t.equal(logout.statusCode, 204);
      await stopWorld(before);

      const after = await embeddedWorld(t, { dataDir, keys, relay });
      t.equal(await firstIdentify(alice.token, () => after.connect()), 4004, 'no READY first');
      t.equal(await refusedByIdentify(alice.token, after), 4004, 'nor on a later attempt');
      t.same(
        outcome(
          await after.gateway.app.inject({
            method: 'GET',
            url: '/api/v10/users/@me',
            headers: bearer(alice.token),
          }),
        ),
        { status: 401, code: 90019 },
        'and by the restarted gateway',
      );

      const live = await after.identify(bob);
      t.ok(live.ready.d.session_id, 'a session that was not logged out still identifies');
      const login = await after.gateway.app.inject({
        method: 'POST',
        url: '/api/v10/auth/login',
        payload: { login: alice.record.username, password: PASSWORD },
      });
      t.equal(login.statusCode, 200, 'a fresh login works');
      const fresh = await after.identify({ ...alice, token: login.json().access_token });
      t.ok(fresh.ready.d.session_id, 'and its token identifies');
    },
  );
}
