import t from 'tap';
import { Intents } from '../../src/realtime/intents.js';
import type { GatewayClient } from './helpers/GatewayClient.js';
import { ALL_INTENTS, bearer, realtimeWorld } from './helpers/realtimeWorld.js';

const w = await realtimeWorld(t);
const alice = await w.user('alice');
await w.guild(alice);

async function hello(query?: string): Promise<GatewayClient> {
  const client = await w.connect(query === undefined ? {} : { query });
  await client.waitFor((p) => p.op === 10, 'HELLO');
  return client;
}

const identifyPayload = (token: string, intents = ALL_INTENTS) => ({
  op: 2,
  d: { token, intents, properties: { os: 'linux', browser: 'test', device: 'test' } },
});

t.test('an unknown opcode closes with 4001', async (t) => {
  const client = await hello();
  client.send({ op: 42, d: null });
  t.equal((await client.waitClose()).code, 4001);
});

t.test('a server-only opcode sent by a client closes with 4001', async (t) => {
  const client = await hello();
  client.send({ op: 11, d: null });
  t.equal((await client.waitClose()).code, 4001);
});

t.test('invalid JSON closes with 4002', async (t) => {
  const client = await hello();
  client.sendRaw('{"op":1,');
  t.equal((await client.waitClose()).code, 4002);
});

t.test('a payload that is not an envelope closes with 4002', async (t) => {
  const client = await hello();
  client.send({ d: null });
  t.equal((await client.waitClose()).code, 4002);
});

t.test('an IDENTIFY whose payload does not match the schema closes with 4002', async (t) => {
  const client = await hello();
  client.send({ op: 2, d: { token: 42, properties: {} } });
  t.equal((await client.waitClose()).code, 4002);
});

t.test('a frame over 4096 bytes closes with 4002, not a silent drop', async (t) => {
  const client = await hello();
  client.send({ op: 1, d: null, pad: 'x'.repeat(5000) });
  const closed = await client.waitClose();
  t.equal(closed.code, 4002);
  t.match(closed.reason, /4096/);
});

t.test('a binary frame (encoding=json) closes with 4002', async (t) => {
  const client = await hello();
  client.sendRaw(Buffer.from(JSON.stringify({ op: 1, d: null })), { binary: true });
  t.equal((await client.waitClose()).code, 4002);
});

t.test('invalid UTF-8 in a binary frame closes with 4002', async (t) => {
  const client = await hello();
  client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: true });
  t.equal((await client.waitClose()).code, 4002);
});

t.test(
  'invalid UTF-8 in a text frame drops the connection (uWS refuses it before any JS runs)',
  async (t) => {
    const client = await hello();
    client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    // uWebSockets.js validates text frames itself and closes the TCP connection without a close
    // frame: the client sees 1006. Documented in docs/gateway.md.
    t.equal((await client.waitClose()).code, 1006);
  },
);

t.test('encoding=etf is refused with 4002', async (t) => {
  const client = await w.connect({ query: '?v=10&encoding=etf' });
  t.equal((await client.waitClose()).code, 4002);
});

t.test('an unsupported transport compression is refused with 4002', async (t) => {
  const client = await w.connect({ query: '?v=10&encoding=json&compress=zstd-stream' });
  t.equal((await client.waitClose()).code, 4002);
});

t.test('a payload before IDENTIFY closes with 4003', async (t) => {
  const client = await hello();
  client.send({ op: 3, d: { since: null, activities: [], status: 'online', afk: false } });
  t.equal((await client.waitClose()).code, 4003);
});

t.test('a heartbeat before IDENTIFY is acknowledged', async (t) => {
  const client = await hello();
  client.send({ op: 1, d: null });
  await client.waitFor((p) => p.op === 11, 'HEARTBEAT_ACK');
  t.pass('acked');
});

t.test('a token that is not valid closes with 4004', async (t) => {
  const client = await hello();
  client.send(identifyPayload('not-a-token'));
  t.equal((await client.waitClose()).code, 4004);
});

t.test('a JWT signed by another key closes with 4004', async (t) => {
  const forged = `${alice.token.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
  const client = await hello();
  client.send(identifyPayload(forged));
  t.equal((await client.waitClose()).code, 4004);
});

t.test('an unknown bot token closes with 4004', async (t) => {
  const bot = await w.bot(alice);
  const parts = bot.token.split('.');
  const client = await hello();
  client.send(identifyPayload(`Bot ${parts[0]}.${parts[1]}.${'B'.repeat(43)}`, Intents.GUILDS));
  t.equal((await client.waitClose()).code, 4004);
});

t.test('a revoked bot token closes with 4004', async (t) => {
  const bot = await w.bot(alice);
  const revoked = await w.gateway.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${bot.applicationId}/tokens/${bot.identity.sessionId}`,
    headers: bearer(alice.token),
  });
  t.equal(revoked.statusCode, 204, 'revoked through the gateway');
  const client = await hello();
  client.send(identifyPayload(`Bot ${bot.token}`, Intents.GUILDS));
  t.equal((await client.waitClose()).code, 4004);
});

t.test('a bot token without the gateway.connect scope closes with 4004', async (t) => {
  const bot = await w.bot(alice, { scopes: ['identify', 'guilds.read', 'messages.read'] });
  const client = await hello();
  client.send(identifyPayload(bot.token, Intents.GUILDS));
  t.equal((await client.waitClose()).code, 4004);
});

t.test('a second IDENTIFY closes with 4005', async (t) => {
  const { client } = await w.identify(alice);
  client.send(identifyPayload(alice.token));
  t.equal((await client.waitClose()).code, 4005);
});

t.test('a RESUME on an identified connection closes with 4005', async (t) => {
  const { client, ready } = await w.identify(alice);
  client.send({ op: 6, d: { token: alice.token, session_id: ready.d.session_id, seq: 1 } });
  t.equal((await client.waitClose()).code, 4005);
});

t.test('a RESUME with a seq ahead of the session closes with 4007', async (t) => {
  const { client, ready } = await w.identify(alice);
  const last = client.lastSeq();
  client.close(4000);
  await client.waitClose();
  const again = await hello();
  again.send({ op: 6, d: { token: alice.token, session_id: ready.d.session_id, seq: last + 5 } });
  t.equal((await again.waitClose()).code, 4007);
});

t.test('more than 120 commands in a minute close with 4008', async (t) => {
  const client = await hello();
  for (let i = 0; i < 121; i++) client.send({ op: 1, d: null });
  t.equal((await client.waitClose()).code, 4008);
  t.equal(client.received.filter((p) => p.op === 11).length, 120, 'the first 120 were served');
});

t.test('v other than 10 closes with 4012', async (t) => {
  for (const query of ['?v=9&encoding=json', '?encoding=json']) {
    const client = await w.connect({ query });
    t.equal((await client.waitClose()).code, 4012, query);
  }
});

t.test('unknown intent bits close with 4013', async (t) => {
  const client = await hello();
  client.send(identifyPayload(alice.token, 1 << 30));
  t.equal((await client.waitClose()).code, 4013);
});

t.test('a bot that sends no intents closes with 4013', async (t) => {
  const bot = await w.bot(alice);
  const client = await hello();
  client.send({ op: 2, d: { token: bot.token, properties: {} } });
  t.equal((await client.waitClose()).code, 4013);
});

t.test('a privileged intent the bot token has no scope for closes with 4014', async (t) => {
  const bot = await w.bot(alice, { scopes: ['identify', 'gateway.connect', 'guilds.read'] });
  const client = await hello();
  client.send(identifyPayload(bot.token, Intents.GUILDS | Intents.MESSAGE_CONTENT));
  t.equal((await client.waitClose()).code, 4014);
});

t.test('a shard other than [0, 1] closes with 4010', async (t) => {
  const bot = await w.bot(alice);
  const client = await hello();
  client.send({ op: 2, d: { token: bot.token, intents: 1, properties: {}, shard: [1, 2] } });
  t.equal((await client.waitClose()).code, 4010);
});

t.test('VOICE_STATE_UPDATE is accepted and ignored', async (t) => {
  const { client } = await w.identify(alice);
  client.send({ op: 4, d: { guild_id: '1', channel_id: null, self_mute: false, self_deaf: false } });
  client.send({ op: 1, d: client.lastSeq() });
  await client.waitFor((p) => p.op === 11, 'HEARTBEAT_ACK after op 4');
  t.pass('still open');
});
