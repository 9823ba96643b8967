import {
  InternalIdentitySigner,
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  VOICE_DISCONNECT_PATH,
  VOICE_LEFT_PATH,
  VOICE_SELF_STATE_PATH,
  VOICE_STATE_PATH,
  VoiceTokenVerifier,
} from '@driftway/common';
import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { createRole, giveRole, perms } from '../guilds/communityFixture.js';
import { INTERNAL_SECRET } from '../helpers/textHarness.js';
import { realtimeWorld } from '../realtime/helpers/realtimeWorld.js';
import { VoicePeer } from './helpers/VoicePeer.js';
import {
  overwrite,
  voiceChannel,
  voiceState,
  waitServerUpdate,
  waitVoiceUpdate,
} from './helpers/voiceWorld.js';

const peer = await VoicePeer.start(t);
const w = await realtimeWorld(t, {
  env: { VOICE_INSTANCE_ID: 'voice-mod', VOICE_INTERNAL_URL: peer.url, VOICE_SWEEP_INTERVAL_MS: '100' },
});
const { h } = w;
const store = h.app.ctx.voice.keeper.deps.store;
/** What voice-channels signs its calls with (ServiceCalls' key). */
const serviceSigner = new InternalIdentitySigner(INTERNAL_SECRET, 30_000, Date.now, SERVICE_PURPOSE);
const serviceHeader = (path: string) =>
  serviceSigner.sign({ kind: 'user', userId: '0', scopes: [] }, { method: 'POST', url: path });

/** alice owns the guild; bob is in its voice channel; carol and dave are plain members. */
async function setUp() {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const carol = await w.user('carol');
  const dave = await w.user('dave');
  const guild = await w.guild(alice);
  for (const u of [bob, carol, dave]) await w.join(guild, alice, u);
  const a = await w.identify(alice);
  const b = await w.identify(bob);
  voiceState(b.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  await waitServerUpdate(b.client);
  return { alice, bob, carol, dave, guild, a, b, sessionId: b.ready.d.session_id as string };
}

const patchPath = (guildId: string, userId: string) => `/api/v10/guilds/${guildId}/members/${userId}`;

/** POSTs to an internal route, signed as voice-channels signs (or with `header`). */
async function internal(path: string, body: unknown, header?: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== null) headers[SERVICE_HEADER] = header ?? serviceHeader(path);
  const res = await fetch(`${h.httpUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  return { status: res.status, body: (await res.json()) as any };
}

t.test('server mute and deafen: MUTE_MEMBERS / DEAFEN_MEMBERS, dispatched and told to voice', async (t) => {
  const { alice, bob, carol, guild, a } = await setUp();
  const from = peer.calls.length;
  const muted = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: true });
  t.equal(muted.status, 200);
  t.match(muted.body, { user: { id: bob.id }, mute: true, deaf: false });
  const seen = await a.client.waitFor(
    (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.mute === true,
    'bob server-muted',
  );
  t.match(seen.d, { channel_id: guild.voice, mute: true, deaf: false, member: { mute: true } });
  const call = await peer.waitCall(VOICE_STATE_PATH, (b) => b.user_id === bob.id && b.mute === true, from);
  t.equal(call.signed, true);
  t.match(call.body, { guild_id: guild.id, channel_id: guild.voice, mute: true, deaf: false });

  const deafened = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { deaf: true });
  t.match(deafened.body, { mute: true, deaf: true });
  await peer.waitCall(VOICE_STATE_PATH, (b) => b.user_id === bob.id && b.deaf === true, from);

  for (const body of [{ mute: false }, { deaf: false }]) {
    const refused = await h.request(carol, 'PATCH', patchPath(guild.id, bob.id), body);
    t.equal(refused.status, 403, JSON.stringify(body));
    t.equal(refused.body.code, 50013);
  }
  t.match(await store.get(guild.id, bob.id), { mute: true, deaf: true });
  t.match(await h.storage.members.get(guild.id, bob.id), { mute: true, deaf: true }, 'kept on the member');
  const update = await a.client.waitFor(
    (p) => p.t === 'GUILD_MEMBER_UPDATE' && p.d.user.id === bob.id && p.d.deaf === true,
    'GUILD_MEMBER_UPDATE: bob deafened',
  );
  t.match(update.d, { guild_id: guild.id, mute: true, deaf: true });
});

t.test(
  'a server mute is the member’s: GET member shows it, and it outlives leaving and rejoining voice',
  async (t) => {
    const { alice, bob, guild, a, b } = await setUp();
    const muted = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: true });
    t.equal(muted.status, 200);
    t.match(muted.body, { mute: true, deaf: false });
    const got = await h.request(alice, 'GET', patchPath(guild.id, bob.id));
    t.match(got.body, { user: { id: bob.id }, mute: true, deaf: false }, 'GET member');
    const list = await h.request(alice, 'GET', `/api/v10/guilds/${guild.id}/members?limit=10`);
    t.match(
      // biome-ignore lint/suspicious/noExplicitAny: the JSON the route answered
      list.body.find((m: any) => m.user.id === bob.id),
      { mute: true, deaf: false },
      'the member list',
    );

    voiceState(b.client, guild.id, null);
    const from = a.client.received.length;
    await waitVoiceUpdate(a.client, bob.id, null);
    const fromB = b.client.received.length;
    voiceState(b.client, guild.id, guild.voice);
    const back = await waitVoiceUpdate(a.client, bob.id, guild.voice, from);
    t.match(back.d, { mute: true, deaf: false, member: { mute: true, deaf: false } }, 'rejoined muted');
    const server = await waitServerUpdate(b.client, fromB);
    t.match(
      await new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-mod').verify(server.d.token),
      { ok: true, grant: { userId: bob.id, mute: true } },
      'the voice server learns it from the token',
    );

    // A new session's GUILD_CREATE is built from the stored members: bob is muted there too.
    const fresh = await w.identify(alice);
    const created = fresh.guildCreates.find((g) => g.d.id === guild.id);
    t.match(
      // biome-ignore lint/suspicious/noExplicitAny: the JSON the gateway sent
      created?.d.members.find((m: any) => m.user.id === bob.id),
      { mute: true, deaf: false },
      'GUILD_CREATE members',
    );
  },
);

t.test('unmuting (mute: false) clears the server mute on the member and in voice', async (t) => {
  const { alice, bob, guild, a, b } = await setUp();
  await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: true, deaf: true });
  await a.client.waitFor(
    (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.mute && p.d.deaf,
    'bob server-muted and deafened',
  );
  const from = a.client.received.length;
  const unmuted = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: false });
  t.equal(unmuted.status, 200);
  t.match(unmuted.body, { mute: false, deaf: true });
  const seen = await a.client.waitFor(
    (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.mute === false,
    'bob unmuted',
    5_000,
    from,
  );
  t.match(seen.d, { channel_id: guild.voice, mute: false, deaf: true, member: { mute: false, deaf: true } });
  t.match((await h.request(alice, 'GET', patchPath(guild.id, bob.id))).body, { mute: false, deaf: true });

  voiceState(b.client, guild.id, null);
  await waitVoiceUpdate(a.client, bob.id, null, from);
  const rejoinFrom = a.client.received.length;
  voiceState(b.client, guild.id, guild.voice);
  const back = await waitVoiceUpdate(a.client, bob.id, guild.voice, rejoinFrom);
  t.match(back.d, { mute: false, deaf: true }, 'rejoined unmuted, still deafened');
});

t.test('a nick and a mute in one PATCH are one member update', async (t) => {
  const { alice, bob, guild } = await setUp();
  const from = h.events.length;
  const res = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { nick: 'Bobby', mute: true });
  t.equal(res.status, 200);
  t.match(res.body, { nick: 'Bobby', mute: true, deaf: false });
  const updates = h.events
    .slice(from)
    .filter((e) => e.event.t === 'GUILD_MEMBER_UPDATE' && e.event.guildId === guild.id);
  t.equal(updates.length, 1);
  t.match(updates[0]?.event.d, { nick: 'Bobby', mute: true });
});

t.test('a member who leaves the guild and joins again is a new member: not muted', async (t) => {
  const { alice, bob, guild, a } = await setUp();
  await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: true, deaf: true });
  t.equal((await h.request(alice, 'DELETE', patchPath(guild.id, bob.id))).status, 204);
  await waitVoiceUpdate(a.client, bob.id, null);
  await w.join(guild, alice, bob);
  t.match((await h.request(alice, 'GET', patchPath(guild.id, bob.id))).body, { mute: false, deaf: false });
});

t.test(
  'mute, deafen or move a member who is not in voice: 400 40032 (after the permission check)',
  async (t) => {
    const { alice, carol, dave, guild } = await setUp();
    for (const body of [{ mute: true }, { deaf: true }, { channel_id: guild.voice }, { channel_id: null }]) {
      const res = await h.request(alice, 'PATCH', patchPath(guild.id, dave.id), body);
      t.equal(res.status, 400, JSON.stringify(body));
      t.equal(res.body.code, 40032);
      t.equal(res.body.message, 'Target user is not connected to voice.');
    }
    const noPermission = await h.request(carol, 'PATCH', patchPath(guild.id, dave.id), { mute: true });
    t.equal(noPermission.status, 403);
    t.match(
      (await h.request(alice, 'GET', patchPath(guild.id, dave.id))).body,
      { mute: false, deaf: false },
      'nothing was written',
    );
  },
);

t.test('a refused voice change leaves the rest of the patch unwritten', async (t) => {
  const { alice, dave, guild } = await setUp();
  const from = h.events.length;
  const res = await h.request(alice, 'PATCH', patchPath(guild.id, dave.id), { nick: 'Davey', mute: true });
  t.equal(res.status, 400);
  t.equal(res.body.code, 40032);
  t.match(await h.storage.members.get(guild.id, dave.id), { nick: null, mute: false, deaf: false });
  t.equal(
    h.events.slice(from).filter((e) => e.event.t === 'GUILD_MEMBER_UPDATE').length,
    0,
    'no GUILD_MEMBER_UPDATE',
  );
});

t.test(
  'moving a member: MOVE_MEMBERS, CONNECT on the destination; a new token for the new channel',
  async (t) => {
    const { alice, bob, carol, guild, a, b, sessionId } = await setUp();
    const second = await voiceChannel(h, alice, guild, { name: 'Second' });
    const fromB = b.client.received.length;
    const from = peer.calls.length;
    const res = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: second });
    t.equal(res.status, 200);
    await waitVoiceUpdate(a.client, bob.id, second);
    const server = await waitServerUpdate(b.client, fromB);
    const grant = await new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-mod').verify(server.d.token);
    t.match(grant, { ok: true, grant: { userId: bob.id, channelId: second, sessionId } });
    const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, from);
    t.match(call.body, { channel_id: guild.voice, reason: 'moved' });

    // Carol may move members, but not into a channel she cannot connect to.
    const movers = await createRole(h, alice, guild, {
      name: 'movers',
      permissions: perms(Permissions.MOVE_MEMBERS),
    });
    await giveRole(h, alice, guild, carol, movers);
    await overwrite(h, alice, guild.voice, carol.id, 1, { deny: Permissions.CONNECT });
    const refused = await h.request(carol, 'PATCH', patchPath(guild.id, bob.id), { channel_id: guild.voice });
    t.equal(refused.status, 403);
    t.equal(refused.body.code, 50013);
    // Bob himself needs nothing in the destination: moderators may move people anywhere (Discord).
    await overwrite(h, alice, guild.voice, bob.id, 1, { deny: Permissions.CONNECT | Permissions.SPEAK });
    const moved = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: guild.voice });
    t.equal(moved.status, 200);
    await a.client.waitFor(
      (p) =>
        p.t === 'VOICE_STATE_UPDATE' &&
        p.d.user_id === bob.id &&
        p.d.channel_id === guild.voice &&
        p.d.suppress,
      'bob back, suppressed (no SPEAK there)',
    );
    const plain = await h.request(carol, 'PATCH', patchPath(guild.id, bob.id), { channel_id: second });
    t.equal(plain.status, 200, 'carol can move into a channel she can connect to');
  },
);

t.test('a member without MOVE_MEMBERS cannot move or disconnect anyone', async (t) => {
  const { bob, carol, guild } = await setUp();
  for (const body of [{ channel_id: guild.voice }, { channel_id: null }]) {
    const res = await h.request(carol, 'PATCH', patchPath(guild.id, bob.id), body);
    t.equal(res.status, 403, JSON.stringify(body));
  }
  t.equal((await store.get(guild.id, bob.id))?.channelId, guild.voice);
});

t.test('moving into a text channel, an unknown channel or another guild’s channel is refused', async (t) => {
  const { alice, bob, guild } = await setUp();
  const text = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: guild.general });
  t.equal(text.status, 400);
  t.equal(text.body.code, 50024);
  const unknown = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: '12345' });
  t.equal(unknown.status, 404);
  t.equal(unknown.body.code, 10003);
  const other = await w.guild(alice, 'Other');
  const foreign = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: other.voice });
  t.equal(foreign.status, 404);
  const invalid = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: 'yes' });
  t.equal(invalid.status, 400);
  t.equal(invalid.body.code, 50035);
});

t.test('disconnecting a member (channel_id null) removes the state and tells voice', async (t) => {
  const { alice, bob, guild, a } = await setUp();
  const from = peer.calls.length;
  const res = await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { channel_id: null });
  t.equal(res.status, 200);
  await waitVoiceUpdate(a.client, bob.id, null);
  const call = await peer.waitCall(VOICE_DISCONNECT_PATH, (body) => body.user_id === bob.id, from);
  t.equal(call.body.reason, 'disconnected_by_moderator');
  t.equal(await store.get(guild.id, bob.id), null);
});

t.test('internal routes refuse calls that are not signed service calls', async (t) => {
  const { bob, guild, sessionId } = await setUp();
  const left = {
    guild_id: guild.id,
    channel_id: guild.voice,
    user_id: bob.id,
    session_id: sessionId,
    instance_id: 'voice-mod',
    reason: 'left',
  };
  const unsigned = await internal(VOICE_LEFT_PATH, left, null);
  t.equal(unsigned.status, 401);
  t.equal(unsigned.body.code, 90109);
  t.equal((await internal(VOICE_LEFT_PATH, left, serviceHeader(VOICE_SELF_STATE_PATH))).status, 401);
  const identity = h.app.ctx.signer.sign(bob.identity, { method: 'POST', url: VOICE_LEFT_PATH });
  t.equal((await internal(VOICE_LEFT_PATH, left, identity)).status, 401, 'a user identity is not a service');
  t.equal((await store.get(guild.id, bob.id))?.channelId, guild.voice, 'nothing changed');
  const malformed = await internal(VOICE_LEFT_PATH, { guild_id: guild.id });
  t.equal(malformed.status, 400);
  t.equal(malformed.body.code, 50035);
});

t.test('a leave because the voice instance drains keeps the state for the rejoin', async (t) => {
  const { bob, guild, a, sessionId } = await setUp();
  const from = a.client.received.length;
  const report = {
    guild_id: guild.id,
    channel_id: guild.voice,
    user_id: bob.id,
    session_id: sessionId,
    instance_id: 'voice-mod',
    reason: 'drained',
  };
  t.same((await internal(VOICE_LEFT_PATH, report)).body, { removed: false });
  t.equal((await store.get(guild.id, bob.id))?.channelId, guild.voice, 'still in voice');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(
    a.client.received
      .slice(from)
      .filter((p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.channel_id === null)
      .length,
    0,
    'nobody sees bob leave',
  );
  t.same((await internal(VOICE_LEFT_PATH, { ...report, reason: 'connection_lost' })).body, { removed: true });
});

t.test(
  'voice reports a leave: the state ends and the guild hears it; a stale report changes nothing',
  async (t) => {
    const { alice, bob, guild, a, b, sessionId } = await setUp();
    const report = {
      guild_id: guild.id,
      channel_id: guild.voice,
      user_id: bob.id,
      session_id: sessionId,
      instance_id: 'voice-mod',
      reason: 'connection_lost',
    };
    t.same((await internal(VOICE_LEFT_PATH, { ...report, session_id: 'old-session' })).body, {
      removed: false,
    });
    t.same((await internal(VOICE_LEFT_PATH, { ...report, instance_id: 'voice-old' })).body, {
      removed: false,
    });
    t.same((await internal(VOICE_LEFT_PATH, { ...report, channel_id: guild.general })).body, {
      removed: false,
    });
    const from = peer.calls.length;
    t.same((await internal(VOICE_LEFT_PATH, report)).body, { removed: true });
    await waitVoiceUpdate(a.client, bob.id, null);
    t.same((await internal(VOICE_LEFT_PATH, report)).body, { removed: false }, 'idempotent');
    // Rejoin, then the old leave arrives late: the new state stays.
    const second = await voiceChannel(h, alice, guild);
    voiceState(b.client, guild.id, second);
    await waitVoiceUpdate(a.client, bob.id, second);
    t.same((await internal(VOICE_LEFT_PATH, report)).body, { removed: false });
    t.equal((await store.get(guild.id, bob.id))?.channelId, second);
    t.equal(
      peer.calls.slice(from).filter((c) => c.path === VOICE_DISCONNECT_PATH).length,
      0,
      'voice is not called back about its own report',
    );
  },
);

t.test(
  'voice reports self mute/deafen: the guild hears it; a report for another channel is ignored',
  async (t) => {
    const { bob, guild, a, sessionId } = await setUp();
    const report = {
      guild_id: guild.id,
      channel_id: guild.voice,
      user_id: bob.id,
      session_id: sessionId,
      self_mute: true,
      self_deaf: false,
    };
    t.same((await internal(VOICE_SELF_STATE_PATH, { ...report, channel_id: '999' })).body, {
      updated: false,
    });
    t.same((await internal(VOICE_SELF_STATE_PATH, report)).body, { updated: true });
    const seen = await a.client.waitFor(
      (p) => p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.self_mute === true,
      'bob self-muted',
    );
    t.equal(seen.d.channel_id, guild.voice);
    t.same(
      (await internal(VOICE_SELF_STATE_PATH, report)).body,
      { updated: false },
      'no change, no dispatch',
    );
  },
);

t.test('a voice instance that is down never blocks a join, a leave or a REST change', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const a = await w.identify(alice);
  const b = await w.identify(bob);
  await peer.close();
  voiceState(b.client, guild.id, guild.voice);
  await waitServerUpdate(b.client);
  voiceState(b.client, guild.id, guild.voice, { self_mute: true });
  await a.client.waitFor((p) => p.t === 'VOICE_STATE_UPDATE' && p.d.self_mute === true, 'self mute');
  t.equal((await h.request(alice, 'PATCH', patchPath(guild.id, bob.id), { mute: true })).status, 200);
  voiceState(b.client, guild.id, null);
  await waitVoiceUpdate(a.client, bob.id, null);
});
