import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { expectOk } from '../guilds/communityFixture.js';
import type { GatewayClient } from './helpers/GatewayClient.js';
import { type Account, realtimeWorld } from './helpers/realtimeWorld.js';

const w = await realtimeWorld(t);
const { h } = w;
const INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

async function post(who: Account, channelId: string, content: string): Promise<string> {
  return expectOk(
    await h.request(who, 'POST', `/api/v10/channels/${channelId}/messages`, { content }),
    200,
    'post',
  ).body.id;
}

async function resumeOn(sessionId: string, token: string, seq: number): Promise<GatewayClient> {
  const client = await w.connect();
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 6, d: { token, session_id: sessionId, seq } });
  return client;
}

async function setUp() {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const b = await w.identify(bob, INTENTS);
  return { alice, bob, guild, b };
}

t.test(
  'RESUME on the same instance replays the missed events exactly once, in order, then goes live',
  async (t) => {
    const { alice, bob, guild, b } = await setUp();
    const seen = await post(alice, guild.general, 'seen');
    await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === seen);
    const seq = b.client.lastSeq();
    b.client.terminate(); // the network drops: no close frame
    await b.client.closed;
    const missed: string[] = [];
    for (let i = 0; i < 5; i++) missed.push(await post(alice, guild.general, `missed ${i}`));

    const again = await resumeOn(b.ready.d.session_id, bob.token, seq);
    const resumed = await again.waitDispatch('RESUMED');
    const replayed = again.dispatches('MESSAGE_CREATE');
    t.same(
      replayed.map((p) => p.d.id),
      missed,
      'every missed message, once, in order, before RESUMED',
    );
    t.same(
      replayed.map((p) => p.s),
      [seq + 1, seq + 2, seq + 3, seq + 4, seq + 5],
      'numbered where the session left off',
    );
    t.ok(
      again.received.indexOf(resumed) > again.received.indexOf(replayed.at(-1) as never),
      'RESUMED comes last',
    );
    const live = await post(alice, guild.general, 'live again');
    const got = await again.waitDispatch('MESSAGE_CREATE', (d) => d.id === live);
    t.equal(got.s, seq + 6, 'live events continue the sequence');
    t.equal(
      again.dispatches('MESSAGE_CREATE').filter((p) => p.d.id === seen).length,
      0,
      'nothing seen is sent again',
    );
  },
);

t.test('RESUME with an older seq gets what the client lost in flight too', async (t) => {
  const { alice, bob, guild, b } = await setUp();
  const afterReady = b.client.lastSeq();
  const first = await post(alice, guild.general, 'lost in flight');
  await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === first);
  b.client.terminate();
  await b.client.closed;
  const second = await post(alice, guild.general, 'sent while away');
  const again = await resumeOn(b.ready.d.session_id, bob.token, afterReady);
  await again.waitDispatch('RESUMED');
  t.same(
    again.dispatches('MESSAGE_CREATE').map((p) => [p.d.id, p.s]),
    [
      [first, afterReady + 1],
      [second, afterReady + 2],
    ],
  );
});

t.test('a resumed session can be resumed again', async (t) => {
  const { alice, bob, guild, b } = await setUp();
  b.client.terminate();
  await b.client.closed;
  const m1 = await post(alice, guild.general, 'one');
  const second = await resumeOn(b.ready.d.session_id, bob.token, b.client.lastSeq());
  await second.waitDispatch('RESUMED');
  const seq = second.lastSeq();
  second.terminate();
  await second.closed;
  const m2 = await post(alice, guild.general, 'two');
  const third = await resumeOn(b.ready.d.session_id, bob.token, seq);
  await third.waitDispatch('RESUMED');
  t.same(
    third.dispatches('MESSAGE_CREATE').map((p) => p.d.id),
    [m2],
  );
  t.notOk(third.dispatches('MESSAGE_CREATE').some((p) => p.d.id === m1));
});

t.test('a permission change while away makes RESUME answer op 9 (safe re-identify)', async (t) => {
  const { alice, bob, guild, b } = await setUp();
  b.client.terminate();
  await b.client.closed;
  expectOk(
    await h.request(alice, 'PUT', `/api/v10/channels/${guild.general}/permissions/${bob.id}`, {
      type: 1,
      allow: '0',
      deny: Permissions.VIEW_CHANNEL.toString(),
    }),
    204,
    'deny bob',
  );
  await post(alice, guild.general, 'not for bob');
  const again = await resumeOn(b.ready.d.session_id, bob.token, b.client.lastSeq());
  const invalid = await again.waitFor((p) => p.op === 9, 'INVALID_SESSION');
  t.equal(invalid.d, false);
  t.equal(again.dispatches('MESSAGE_CREATE').length, 0, 'nothing replayed');
  again.send({ op: 2, d: { token: bob.token, intents: INTENTS, properties: {} } });
  const ready = await again.waitDispatch('READY');
  t.equal(ready.s, 1, 'a fresh IDENTIFY on the same connection works');
});

t.test('RESUME of an unknown session answers op 9', async (t) => {
  const { bob } = await setUp();
  const again = await resumeOn('0123456789abcdef0123456789abcdef', bob.token, 3);
  t.equal((await again.waitFor((p) => p.op === 9, 'INVALID_SESSION')).d, false);
});

t.test('a session closed by the client with 1000 cannot be resumed', async (t) => {
  const { bob, b } = await setUp();
  b.client.close(1000);
  await b.client.closed;
  const again = await resumeOn(b.ready.d.session_id, bob.token, b.client.lastSeq());
  t.equal((await again.waitFor((p) => p.op === 9, 'INVALID_SESSION')).d, false);
});

t.test("another user's token cannot resume a session", async (t) => {
  const { alice, b } = await setUp();
  b.client.terminate();
  await b.client.closed;
  const again = await resumeOn(b.ready.d.session_id, alice.token, b.client.lastSeq());
  t.equal((await again.waitFor((p) => p.op === 9, 'INVALID_SESSION')).d, false);
});

t.test('RESUME while the old connection is still open takes the session over', async (t) => {
  const { alice, bob, guild, b } = await setUp();
  const seq = b.client.lastSeq();
  const again = await resumeOn(b.ready.d.session_id, bob.token, seq);
  await again.waitDispatch('RESUMED');
  t.equal((await b.client.waitClose()).code, 4009, 'the zombie connection is closed');
  const m = await post(alice, guild.general, 'after takeover');
  const got = await again.waitDispatch('MESSAGE_CREATE', (d) => d.id === m);
  t.equal(got.s, seq + 1);
});

t.test('graceful shutdown sends op 7 RECONNECT before closing', async (t) => {
  const other = await realtimeWorld(t);
  const carol = await other.user('carol');
  const { client } = await other.identify(carol);
  await other.h.app.close();
  await client.waitFor((p) => p.op === 7, 'RECONNECT');
  const closed = await client.waitClose();
  t.equal(closed.code, 1012, 'closed as a service restart: clients resume');
});
