import {
  createLogger,
  createRedis,
  InternalIdentitySigner,
  RedisVoiceRegistry,
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  VOICE_DISCONNECT_PATH,
  VOICE_LEFT_PATH,
  type VoiceInstance,
  VoiceTokenVerifier,
} from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { INTERNAL_SECRET, startText } from '../helpers/textHarness.js';
import { realtimeWorld } from '../realtime/helpers/realtimeWorld.js';
import { VoicePeer } from './helpers/VoicePeer.js';
import { voiceChannel, voiceState, waitServerUpdate, waitVoiceUpdate } from './helpers/voiceWorld.js';

const redisServer = await RedisServer.start();
t.teardown(() => redisServer.stop());
const peer = await VoicePeer.start(t);
// Sweeps are run by the tests (all instances at once), not by the timer.
const voiceEnv = { VOICE_SWEEP_INTERVAL_MS: '600000' };
// Instance 1 (with the gateway for real tokens) and instance 2, sharing SQLite files and Redis.
const w = await realtimeWorld(t, { redisUrl: redisServer.url, env: voiceEnv });
const { h } = w;
const h2 = await startText(t, {
  dataDir: w.dataDir,
  redisUrl: redisServer.url,
  env: { ...w.instanceEnv, ...voiceEnv, INSTANCE_ID: 'text-2', WORKER_ID: '2' },
});

// Stands in for voice-channels' own heartbeats: the registry is the real one, in the real Redis.
const registryRedis = createRedis(
  redisServer.url,
  createLogger({ name: 'test', level: 'silent' }),
  'voice-registry',
);
t.teardown(() => registryRedis.disconnect());
await waitFor(() => registryRedis.status === 'ready', { what: 'redis ready' });
const registry = new RedisVoiceRegistry(registryRedis);

const instance = (id: string, load = 0): VoiceInstance => ({
  id,
  endpoint: `ws://${id}.test:3003/voice`,
  internalUrl: peer.url,
  load,
  draining: false,
});

/** Keeps an instance alive (as voice-channels does) until the returned function is called. */
function keepAlive(id: string, ttlMs: number, load = 0): () => void {
  const beat = () => void registry.heartbeat(instance(id, load), ttlMs).catch(() => {});
  beat();
  const timer = setInterval(beat, Math.floor(ttlMs / 3));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
  };
  t.teardown(stop);
  return stop;
}

async function setUp() {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const a = await w.identify(alice);
  const b = await w.identify(bob);
  return { alice, bob, guild, a, b, sessionId: b.ready.d.session_id as string };
}

t.test(
  'a join is assigned to a live instance from the Redis registry: its endpoint and a token for it',
  async (t) => {
    const stop = keepAlive('voice-r1', 60_000);
    t.teardown(() => registry.remove('voice-r1'));
    const { bob, guild, a, b, sessionId } = await setUp();
    voiceState(b.client, guild.id, guild.voice);
    await waitVoiceUpdate(a.client, bob.id, guild.voice);
    const server = await waitServerUpdate(b.client);
    t.equal(server.d.endpoint, 'ws://voice-r1.test:3003/voice');
    t.match(await new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-r1').verify(server.d.token), {
      ok: true,
      grant: { userId: bob.id, channelId: guild.voice, sessionId, instanceId: 'voice-r1' },
    });
    // Both instances read the same state.
    t.equal((await h2.app.ctx.voice.keeper.deps.store.get(guild.id, bob.id))?.instanceId, 'voice-r1');
    stop();
  },
);

t.test('with no live voice instance a join is refused and nothing is stored', async (t) => {
  await registry.remove('voice-r1');
  const { bob, guild, b, sessionId } = await setUp();
  t.same(await registry.alive(), []);
  const refused = await h.app.ctx.voice.joiner.handle(
    { sessionId, userId: bob.id, botScopes: null },
    { guild_id: guild.id, channel_id: guild.voice, self_mute: false, self_deaf: false },
  );
  t.equal(refused, 'no_voice_instance');
  t.equal(await h.app.ctx.voice.keeper.deps.store.get(guild.id, bob.id), null);
  t.equal(b.client.dispatches('VOICE_SERVER_UPDATE').length, 0);
});

t.test('when a voice instance dies its states expire, and the leave is dispatched once', async (t) => {
  await h.app.ctx.voice.reaper.sweep(); // states left by earlier tests' instances
  const stop = keepAlive('voice-dying', 1_200);
  const { bob, guild, a, b } = await setUp();
  voiceState(b.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  const from = peer.calls.length;
  stop(); // the instance stops heartbeating: killed
  await waitFor(() => registry.alive().then((l) => l.length === 0), { what: 'instance gone' });
  // Both instances sweep at once (twice on one of them): exactly one removes the state.
  const ended = await Promise.all([
    h.app.ctx.voice.reaper.sweep(),
    h2.app.ctx.voice.reaper.sweep(),
    h.app.ctx.voice.reaper.sweep(),
    h2.app.ctx.voice.reaper.sweep(),
  ]);
  t.equal(
    ended.reduce((a, b) => a + b, 0),
    1,
    'one sweep ended the state',
  );
  await waitVoiceUpdate(a.client, bob.id, null);
  await waitFor(
    () =>
      h2.events.some(
        (e) =>
          e.event.t === 'VOICE_STATE_UPDATE' &&
          e.event.d['channel_id'] === null &&
          e.event.d['user_id'] === bob.id,
      ),
    { what: 'the leave on instance 2' },
  );
  const leaves = h.events.filter(
    (e) =>
      e.event.t === 'VOICE_STATE_UPDATE' &&
      e.event.d['user_id'] === bob.id &&
      e.event.d['channel_id'] === null,
  );
  t.equal(leaves.length, 1, 'one VOICE_STATE_UPDATE with channel_id null');
  t.equal(
    peer.calls.slice(from).filter((c) => c.path === VOICE_DISCONNECT_PATH).length,
    0,
    'nobody to tell: the instance is dead',
  );
  // Rejoining goes to a live instance.
  const stopNext = keepAlive('voice-next', 60_000);
  t.teardown(() => registry.remove('voice-next'));
  const fromB = b.client.received.length;
  voiceState(b.client, guild.id, guild.voice);
  t.equal((await waitServerUpdate(b.client, fromB)).d.endpoint, 'ws://voice-next.test:3003/voice');
  stopNext();
});

t.test(
  'a move made through the other instance reaches the session with a new VOICE_SERVER_UPDATE',
  async (t) => {
    const stop = keepAlive('voice-r2', 60_000);
    t.teardown(() => registry.remove('voice-r2'));
    const { alice, bob, guild, a, b, sessionId } = await setUp();
    const second = await voiceChannel(h, alice, guild, { name: 'Second' });
    voiceState(b.client, guild.id, guild.voice);
    await waitServerUpdate(b.client);
    const fromB = b.client.received.length;
    const res = await h2.request(alice, 'PATCH', `/api/v10/guilds/${guild.id}/members/${bob.id}`, {
      channel_id: second,
    });
    t.equal(res.status, 200);
    await waitVoiceUpdate(a.client, bob.id, second);
    const server = await waitServerUpdate(b.client, fromB);
    t.match(await new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-r2').verify(server.d.token), {
      ok: true,
      grant: { channelId: second, sessionId },
    });

    // voice-channels may report to any text instance.
    const signer = new InternalIdentitySigner(INTERNAL_SECRET, 30_000, Date.now, SERVICE_PURPOSE);
    const report = await fetch(`${h2.httpUrl}${VOICE_LEFT_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_HEADER]: signer.sign(
          { kind: 'user', userId: '0', scopes: [] },
          { method: 'POST', url: VOICE_LEFT_PATH },
        ),
      },
      body: JSON.stringify({
        guild_id: guild.id,
        channel_id: second,
        user_id: bob.id,
        session_id: sessionId,
        instance_id: 'voice-r2',
        reason: 'left',
      }),
    });
    t.same(await report.json(), { removed: true });
    await waitVoiceUpdate(a.client, bob.id, null);
    stop();
  },
);
