import { VoiceTokenVerifier } from '@driftway/common';
import t from 'tap';
import { INTERNAL_SECRET, startText } from '../helpers/textHarness.js';
import { GatewayClient } from '../realtime/helpers/GatewayClient.js';
import { type Account, ALL_INTENTS, realtimeWorld } from '../realtime/helpers/realtimeWorld.js';
import { VoicePeer } from './helpers/VoicePeer.js';
import { voiceState, waitServerUpdate, waitVoiceUpdate } from './helpers/voiceWorld.js';

// Embedded mode (BUS=local): voice states live in the process, so only the database can carry a
// server mute across a restart.
const peer = await VoicePeer.start(t);
const voiceEnv = { VOICE_INSTANCE_ID: 'voice-restart', VOICE_INTERNAL_URL: peer.url };
const w = await realtimeWorld(t, { env: voiceEnv });

async function identifyOn(wsUrl: string, account: Account) {
  const client = await GatewayClient.connect(wsUrl);
  t.teardown(() => client.terminate());
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 2, d: { token: account.token, intents: ALL_INTENTS, properties: {} } });
  const ready = await client.waitDispatch('READY', undefined, 10_000);
  const guildCreates = [];
  for (const g of ready.d.guilds)
    guildCreates.push(await client.waitDispatch('GUILD_CREATE', (d) => d.id === g.id));
  return { client, guildCreates };
}

t.test('a server mute and deafen survive a restart of text-channels on the same database', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const a = await w.identify(alice);
  const b = await w.identify(bob);
  voiceState(b.client, guild.id, guild.voice);
  await waitVoiceUpdate(a.client, bob.id, guild.voice);
  const memberPath = `/api/v10/guilds/${guild.id}/members/${bob.id}`;
  const muted = await w.h.request(alice, 'PATCH', memberPath, { mute: true, deaf: true });
  t.equal(muted.status, 200);

  // The restart: this instance closes (its sessions are told to reconnect), the files stay.
  await w.h.app.close();
  await w.h.storage.close();
  const h = await startText(t, { dataDir: w.dataDir, env: { ...w.instanceEnv, ...voiceEnv } });

  const got = await h.request(alice, 'GET', memberPath);
  t.equal(got.status, 200);
  t.match(got.body, { user: { id: bob.id }, mute: true, deaf: true }, 'GET member after the restart');

  const again = await identifyOn(h.wsUrl, bob);
  const created = again.guildCreates.find((g) => g.d.id === guild.id);
  t.match(
    // biome-ignore lint/suspicious/noExplicitAny: the JSON the gateway sent
    created?.d.members.find((m: any) => m.user.id === bob.id),
    { mute: true, deaf: true },
    'GUILD_CREATE members',
  );
  voiceState(again.client, guild.id, guild.voice);
  const joined = await waitVoiceUpdate(again.client, bob.id, guild.voice);
  t.match(
    joined.d,
    { mute: true, deaf: true, member: { mute: true, deaf: true } },
    'joins voice still muted and deafened',
  );
  const server = await waitServerUpdate(again.client);
  t.match(await new VoiceTokenVerifier(INTERNAL_SECRET, 'voice-restart').verify(server.d.token), {
    ok: true,
    grant: { userId: bob.id, mute: true, deaf: true },
  });

  const unmuted = await h.request(alice, 'PATCH', memberPath, { mute: false });
  t.match(unmuted.body, { mute: false, deaf: true }, 'and can be lifted on the new instance');
});
