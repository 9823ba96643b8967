import { VOICE_DISCONNECT_PATH, VOICE_STATE_PATH, VoiceTokenVerifier } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { INTERNAL_SECRET } from '../helpers/textHarness.js';
import { type Account, realtimeWorld } from '../realtime/helpers/realtimeWorld.js';
import { VoicePeer } from './helpers/VoicePeer.js';
import {
  overwrite,
  voiceChannel,
  voiceState,
  voiceUpdates,
  waitServerUpdate,
  waitVoiceUpdate,
} from './helpers/voiceWorld.js';

const RESUME_GRACE_MS = 1_500;
const peer = await VoicePeer.start(t);
const w = await realtimeWorld(t, {
  env: {
    VOICE_INSTANCE_ID: 'voice-test',
    VOICE_ENDPOINT: 'ws://voice.test:3003/voice',
    VOICE_INTERNAL_URL: peer.url,
    VOICE_SWEEP_INTERVAL_MS: '100',
    VOICE_RESUME_GRACE_MS: String(RESUME_GRACE_MS),
  },
});
const { h } = w;
const verifier = new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-test');
const store = h.app.ctx.voice.keeper.deps.store;

/** A fresh guild: alice owns it, bob and carol are members; alice and bob are identified. */
async function setUp() {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const carol = await w.user('carol');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  await w.join(guild, alice, carol);
  const a = await w.identify(alice);
  const b = await w.identify(bob);
  return { alice, bob, carol, guild, a, b };
}

async function resumeOn(sessionId: string, account: Account, seq: number) {
  const client = await w.connect();
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 6, d: { token: account.token, session_id: sessionId, seq } });
  await client.waitDispatch('RESUMED');
  return client;
}

t.test(
  'a member with CONNECT joins: the guild hears VOICE_STATE_UPDATE, only the joiner gets VOICE_SERVER_UPDATE',
  async (t) => {
    const { alice, bob, carol, guild, a, b } = await setUp();
    const sessionId = b.ready.d.session_id as string;
    voiceState(b.client, guild.id, guild.voice, { self_mute: true });

    const seenByAlice = await waitVoiceUpdate(a.client, bob.id, guild.voice);
    t.match(seenByAlice.d, {
      guild_id: guild.id,
      channel_id: guild.voice,
      user_id: bob.id,
      session_id: sessionId,
      deaf: false,
      mute: false,
      self_deaf: false,
      self_mute: true,
      self_stream: false,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
      member: { user: { id: bob.id }, mute: false, deaf: false },
    });
    await waitVoiceUpdate(b.client, bob.id, guild.voice);

    const server = await waitServerUpdate(b.client);
    t.equal(server.d.guild_id, guild.id);
    t.equal(server.d.endpoint, 'ws://voice.test:3003/voice');
    const verified = await verifier.verify(server.d.token);
    t.same(verified, {
      ok: true,
      grant: {
        userId: bob.id,
        guildId: guild.id,
        channelId: guild.voice,
        sessionId,
        instanceId: 'voice-test',
        bitrate: 64_000,
        mute: false,
        deaf: false,
        suppress: false,
      },
    });
    t.same(await new VoiceTokenVerifier(INTERNAL_SECRET, 'another-instance').verify(server.d.token), {
      ok: false,
      reason: 'wrong_instance',
    });

    // Alice joins too: the only VOICE_SERVER_UPDATE she ever gets is her own.
    voiceState(a.client, guild.id, guild.voice);
    const hers = await waitServerUpdate(a.client);
    const grant = await verifier.verify(hers.d.token);
    t.equal(grant.ok && grant.grant.userId, alice.id);
    t.equal(a.client.dispatches('VOICE_SERVER_UPDATE').length, 1);
    await waitVoiceUpdate(b.client, alice.id, guild.voice);
    t.equal(b.client.dispatches('VOICE_SERVER_UPDATE').length, 1, 'bob got only his');

    // A freshly identified session sees both in GUILD_CREATE, in Discord's shape.
    const c = await w.identify(carol);
    const created = c.guildCreates.find((g) => g.d.id === guild.id);
    const states = (created?.d.voice_states as Record<string, unknown>[]).sort((x, y) =>
      String(x['user_id']).localeCompare(String(y['user_id'])),
    );
    t.equal(states.length, 2);
    for (const s of states) {
      t.equal(s['channel_id'], guild.voice);
      t.notOk('guild_id' in s, 'no guild_id in GUILD_CREATE');
      t.notOk('member' in s, 'no member in GUILD_CREATE');
    }
    t.same(states.map((s) => s['user_id']).sort(), [alice.id, bob.id].sort());
  },
);

t.test('a session without GUILD_VOICE_STATES gets no voice states in GUILD_CREATE', async (t) => {
  const { carol, guild, b } = await setUp();
  voiceState(b.client, guild.id, guild.voice);
  await waitServerUpdate(b.client);
  const c = await w.identify(carol, 1); // GUILDS only
  t.same(c.guildCreates.find((g) => g.d.id === guild.id)?.d.voice_states, []);
});

t.test('without CONNECT nothing changes and nothing is dispatched', async (t) => {
  const { alice, bob, guild, a, b } = await setUp();
  const open = await voiceChannel(h, alice, guild, { name: 'Open' });
  await overwrite(h, alice, guild.voice, guild.id, 0, { deny: Permissions.CONNECT });
  const fromA = a.client.received.length;
  voiceState(b.client, guild.id, guild.voice);
  // Op 4s of one user are handled in order: once the next one is seen, the first was refused.
  voiceState(b.client, guild.id, open);
  await waitVoiceUpdate(a.client, bob.id, open, fromA);
  t.same(
    voiceUpdates(a.client, bob.id, fromA).map((p) => p.d.channel_id),
    [open],
    'only the join that was allowed',
  );
  const server = await waitServerUpdate(b.client);
  t.equal(b.client.dispatches('VOICE_SERVER_UPDATE').length, 1);
  const token = await verifier.verify(server.d.token);
  t.equal(token.ok && token.grant.channelId, open);
});

t.test('a text channel, another guild or an unknown channel is ignored', async (t) => {
  const { bob, guild, b } = await setUp();
  const joiner = h.app.ctx.voice.joiner;
  const who = { sessionId: b.ready.d.session_id as string, userId: bob.id, botScopes: null };
  const flags = { self_mute: false, self_deaf: false };
  t.equal(
    await joiner.handle(who, { guild_id: guild.id, channel_id: guild.general, ...flags }),
    'not_voice_channel',
  );
  t.equal(await joiner.handle(who, { guild_id: guild.id, channel_id: '1', ...flags }), 'not_voice_channel');
  const other = await w.guild(await w.user('dora'));
  t.equal(await joiner.handle(who, { guild_id: other.id, channel_id: other.voice, ...flags }), 'not_member');
  t.equal(await store.get(guild.id, bob.id), null);
  t.equal(await store.get(other.id, bob.id), null);
});

t.test('a bot needs the voice.connect scope; its voice token carries its scopes', async (t) => {
  const { bob, guild, b } = await setUp();
  const joiner = h.app.ctx.voice.joiner;
  const sessionId = b.ready.d.session_id as string;
  const flags = { self_mute: false, self_deaf: false };
  const join = { guild_id: guild.id, channel_id: guild.voice, ...flags };
  t.equal(
    await joiner.handle({ sessionId, userId: bob.id, botScopes: ['messages.read'] }, join),
    'missing_scope',
  );
  t.equal(await store.get(guild.id, bob.id), null, 'no state without the scope');
  const from = b.client.received.length;
  const scopes = ['voice.connect', 'messages.read'];
  t.equal(await joiner.handle({ sessionId, userId: bob.id, botScopes: scopes }, join), null);
  const server = await waitServerUpdate(b.client, from);
  const verified = await verifier.verify(server.d.token);
  t.ok(verified.ok && verified.grant.bot === true, 'the token says a bot holds it');
  t.same(verified.ok && verified.grant.scopes, scopes, 'with exactly its scopes');
});

t.test('a timed-out member cannot join', async (t) => {
  const { alice, bob, guild, b } = await setUp();
  const until = new Date(Date.now() + 60 * 60_000).toISOString();
  const res = await h.request(alice, 'PATCH', `/api/v10/guilds/${guild.id}/members/${bob.id}`, {
    communication_disabled_until: until,
  });
  t.equal(res.status, 200);
  const who = { sessionId: b.ready.d.session_id as string, userId: bob.id, botScopes: null };
  t.equal(
    await h.app.ctx.voice.joiner.handle(who, {
      guild_id: guild.id,
      channel_id: guild.voice,
      self_mute: false,
      self_deaf: false,
    }),
    'missing_connect',
  );
  t.equal(await store.get(guild.id, bob.id), null);
});

t.test('a full channel refuses members without MOVE_MEMBERS; MOVE_MEMBERS bypasses the limit', async (t) => {
  const { alice, bob, carol, guild, a, b } = await setUp();
  const small = await voiceChannel(h, alice, guild, { name: 'Small', user_limit: 1 });
  voiceState(b.client, guild.id, small);
  await waitVoiceUpdate(a.client, bob.id, small);
  const c = await w.identify(carol);
  const who = { sessionId: c.ready.d.session_id as string, userId: carol.id, botScopes: null };
  const join = { guild_id: guild.id, channel_id: small, self_mute: false, self_deaf: false };
  t.equal(await h.app.ctx.voice.joiner.handle(who, join), 'channel_full');
  t.equal(await store.get(guild.id, carol.id), null);
  // Bob staying in his own channel (a self-mute) does not count himself.
  voiceState(b.client, guild.id, small, { self_mute: true });
  await a.client.waitFor(
    (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.self_mute === true,
    'bob self-muted',
  );
  // The owner holds MOVE_MEMBERS.
  voiceState(a.client, guild.id, small);
  await waitVoiceUpdate(b.client, alice.id, small);
});

t.test('without SPEAK a member joins suppressed', async (t) => {
  const { alice, bob, guild, a, b } = await setUp();
  await overwrite(h, alice, guild.voice, bob.id, 1, { deny: Permissions.SPEAK });
  voiceState(b.client, guild.id, guild.voice);
  const seen = await waitVoiceUpdate(a.client, bob.id, guild.voice);
  t.equal(seen.d.suppress, true);
  voiceState(a.client, guild.id, guild.voice);
  t.equal((await waitVoiceUpdate(b.client, alice.id, guild.voice)).d.suppress, false);
});

t.test('leaving dispatches channel_id null and tells the voice instance', async (t) => {
  const { bob, carol, guild, a, b } = await setUp();
  voiceState(b.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  const calls = peer.calls.length;
  voiceState(b.client, guild.id, null);
  const left = await waitVoiceUpdate(a.client, bob.id, null);
  t.match(left.d, { guild_id: guild.id, channel_id: null, user_id: bob.id });
  const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, calls);
  t.equal(call.signed, true, 'signed with the service key');
  t.match(call.body, { guild_id: guild.id, channel_id: guild.voice, user_id: bob.id, reason: 'left' });
  t.equal(await store.get(guild.id, bob.id), null);
  const c = await w.identify(carol);
  t.same(c.guildCreates.find((g) => g.d.id === guild.id)?.d.voice_states, []);
  // Leaving when not in voice is a no-op.
  voiceState(b.client, guild.id, null);
});

t.test(
  'switching channel moves the state, sends a new VOICE_SERVER_UPDATE and frees the old channel',
  async (t) => {
    const { alice, bob, guild, a, b } = await setUp();
    const second = await voiceChannel(h, alice, guild, { name: 'Second', bitrate: 96_000 });
    voiceState(b.client, guild.id, guild.voice);
    await waitServerUpdate(b.client);
    const fromB = b.client.received.length;
    const calls = peer.calls.length;
    voiceState(b.client, guild.id, second);
    await waitVoiceUpdate(a.client, bob.id, second);
    const server = await waitServerUpdate(b.client, fromB);
    const grant = await verifier.verify(server.d.token);
    t.match(grant, { ok: true, grant: { channelId: second, bitrate: 96_000 } });
    const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, calls);
    t.match(call.body, { channel_id: guild.voice, reason: 'moved' });
    t.equal((await store.get(guild.id, bob.id))?.channelId, second);
  },
);

t.test('self mute/deafen in the same channel updates the state and tells the voice instance', async (t) => {
  const { bob, guild, a, b } = await setUp();
  voiceState(b.client, guild.id, guild.voice);
  await waitServerUpdate(b.client);
  const fromB = b.client.received.length;
  const calls = peer.calls.length;
  voiceState(b.client, guild.id, guild.voice, { self_mute: true, self_deaf: true });
  await a.client.waitFor(
    (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.self_deaf === true,
    'bob self-deafened',
  );
  const call = await peer.waitCall(VOICE_STATE_PATH, (body) => body.user_id === bob.id, calls);
  t.match(call.body, {
    channel_id: guild.voice,
    self_mute: true,
    self_deaf: true,
    mute: false,
    suppress: false,
  });
  // Clients wait for a VOICE_SERVER_UPDATE after every op 4 join: a fresh token comes again.
  await waitServerUpdate(b.client, fromB);
});

t.test('a session that ends for good leaves voice at once', async (t) => {
  const { bob, guild, a, b } = await setUp();
  voiceState(b.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  const calls = peer.calls.length;
  b.client.close(1000);
  await waitVoiceUpdate(a.client, bob.id, null);
  const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, calls);
  t.equal(call.body.reason, 'left');
});

t.test(
  'a dropped session keeps its voice state while it resumes; one that never resumes expires',
  async (t) => {
    const { bob, carol, guild, a, b } = await setUp();
    const c = await w.identify(carol);
    voiceState(b.client, guild.id, guild.voice);
    await waitVoiceUpdate(a.client, bob.id, guild.voice);
    voiceState(c.client, guild.id, guild.voice);
    await waitVoiceUpdate(a.client, carol.id, guild.voice);
    const calls = peer.calls.length;

    const bobSeq = b.client.lastSeq();
    b.client.terminate();
    await b.client.closed;
    await waitFor(async () => (await store.get(guild.id, bob.id))?.orphanedAt, { what: 'bob marked' });
    c.client.terminate(); // carol never comes back
    await c.client.closed;
    const resumed = await resumeOn(b.ready.d.session_id, bob, bobSeq);
    await waitFor(async () => (await store.get(guild.id, bob.id))?.orphanedAt === null, {
      what: 'bob claimed',
    });

    await waitVoiceUpdate(a.client, carol.id, null, 0, RESUME_GRACE_MS + 10_000);
    const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === carol.id, calls);
    t.equal(call.body.reason, 'expired');
    t.equal(voiceUpdates(a.client, bob.id).filter((p) => p.d.channel_id === null).length, 0, 'bob stayed');
    t.equal((await store.get(guild.id, bob.id))?.channelId, guild.voice);
    resumed.close(1000);
    await waitVoiceUpdate(a.client, bob.id, null);
  },
);

t.test('malformed op 4 payloads close with 4002', async (t) => {
  const { bob, guild } = await setUp();
  const bad: unknown[] = [
    null,
    'join',
    { guild_id: guild.id, channel_id: guild.voice, self_mute: false },
    { guild_id: guild.id, channel_id: Number(guild.voice), self_mute: false, self_deaf: false },
    { guild_id: 'general', channel_id: guild.voice, self_mute: false, self_deaf: false },
    { guild_id: guild.id, channel_id: guild.voice, self_mute: 'yes', self_deaf: false },
    { channel_id: guild.voice, self_mute: false, self_deaf: false },
  ];
  for (const d of bad) {
    const { client } = await w.identify(bob);
    client.send({ op: 4, d });
    t.equal((await client.waitClose()).code, 4002, JSON.stringify(d));
  }
  t.equal(await store.get(guild.id, bob.id), null);
});

t.test('op 4 before IDENTIFY closes with 4003', async (t) => {
  const client = await w.connect();
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 4, d: { guild_id: '1', channel_id: null, self_mute: false, self_deaf: false } });
  t.equal((await client.waitClose()).code, 4003);
});

t.test('a DM call (guild_id null) is ignored and the session stays open', async (t) => {
  const { b } = await setUp();
  voiceState(b.client, null, null);
  b.client.send({ op: 1, d: b.client.lastSeq() });
  await b.client.waitFor((p) => p.op === 11, 'HEARTBEAT_ACK');
  t.equal(b.client.dispatches('VOICE_STATE_UPDATE').length, 0);
  t.equal(b.client.ws.readyState, 1, 'still open');
});

t.test('kick, leaving the guild and deleting the channel disconnect from voice', async (t) => {
  const { alice, bob, carol, guild, a, b } = await setUp();
  const c = await w.identify(carol);
  const extra = await voiceChannel(h, alice, guild, { name: 'Doomed' });
  voiceState(b.client, guild.id, guild.voice);
  voiceState(c.client, guild.id, extra);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  await waitVoiceUpdate(a.client, carol.id, extra);
  const calls = peer.calls.length;

  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${guild.id}/members/${bob.id}`)).status, 204);
  await waitVoiceUpdate(a.client, bob.id, null);
  const kicked = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, calls);
  t.equal(kicked.body.reason, 'kicked');

  t.equal((await h.request(alice, 'DELETE', `/api/v10/channels/${extra}`)).status, 200);
  await waitVoiceUpdate(a.client, carol.id, null);
  t.equal(await store.get(guild.id, carol.id), null);

  voiceState(c.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, carol.id, guild.voice);
  const beforeLeave = a.client.received.length;
  t.equal((await h.request(carol, 'DELETE', `/api/v10/users/@me/guilds/${guild.id}`)).status, 204);
  await waitVoiceUpdate(a.client, carol.id, null, beforeLeave);
  await waitFor(async () => (await store.get(guild.id, carol.id)) === null, { what: 'carol gone' });
});
