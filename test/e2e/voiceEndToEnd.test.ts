import { freePort, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { INTERNAL_SECRET } from '../../text-channels/test/helpers/textHarness.js';
import { realtimeWorld } from '../../text-channels/test/realtime/helpers/realtimeWorld.js';
import {
  voiceState,
  waitServerUpdate,
  waitVoiceUpdate,
} from '../../text-channels/test/voice/helpers/voiceWorld.js';
import { VoiceOp } from '../../voice-channels/src/protocol/protocol.js';
import { cleanSpeech, encodeOpus } from '../../voice-channels/test/helpers/audioFixtures.js';
import { VoiceClient } from '../../voice-channels/test/helpers/voiceClient.js';
import { startVoice } from '../../voice-channels/test/helpers/voiceHarness.js';

// The whole voice loop across the two real services: op 4 on the main gateway → VOICE_SERVER_UPDATE
// → the voice WebSocket at its endpoint → media between werift peers; a moderator's REST server
// mute travels text → voice and stops forwarding; leaving on the voice connection travels
// voice → text and clears the voice state everywhere.

const textPort = await freePort();
const voice = await startVoice(t, {
  textUrl: `http://127.0.0.1:${textPort}`,
  env: { INTERNAL_SECRET },
});
const w = await realtimeWorld(t, {
  env: {
    TEXT_HTTP_PORT: String(textPort),
    VOICE_INSTANCE_ID: voice.instanceId,
    VOICE_ENDPOINT: voice.wsUrl,
    VOICE_INTERNAL_URL: voice.httpUrl,
  },
});

t.test('join through text, talk, get server-muted by a moderator, leave through voice', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const a = await w.identify(alice);
  const b = await w.identify(bob);

  const join = async (who: typeof a, userId: string) => {
    const from = who.client.received.length;
    voiceState(who.client, guild.id, guild.voice);
    const server = await waitServerUpdate(who.client, from);
    t.equal(server.d.endpoint, voice.wsUrl, 'the endpoint is the voice instance the channel lives on');
    const client = await VoiceClient.join(server.d.endpoint, {
      token: server.d.token,
      userId,
      guildId: guild.id,
      sessionId: who.ready.d.session_id,
    });
    t.teardown(() => client.close());
    return client;
  };
  const aliceVoice = await join(a, alice.id);
  const bobVoice = await join(b, bob.id);
  await aliceVoice.next(VoiceOp.PARTICIPANT_JOIN, (d) => d.user_id === bob.id);
  await Promise.all([aliceVoice.settled(), bobVoice.settled()]);

  // Bob talks; Alice hears him.
  const speech = encodeOpus(cleanSpeech());
  const talking = new AbortController();
  t.teardown(() => talking.abort());
  const media = bobVoice.media;
  if (!media) throw new Error('bob has no media');
  void media.sendOpus(speech, { signal: talking.signal });
  await waitFor(() => aliceVoice.receivedFrom(bob.id) >= 25, { what: 'alice hears bob', timeoutMs: 20_000 });

  // Alice (owner: MUTE_MEMBERS) server-mutes Bob over REST.
  const muteFrom = a.client.received.length;
  const res = await w.h.request(alice, 'PATCH', `/api/v10/guilds/${guild.id}/members/${bob.id}`, {
    mute: true,
  });
  t.equal(res.status, 200, 'the moderator may mute');
  const muted = await a.client.waitFor(
    (p) => p.op === 0 && p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === bob.id && p.d.mute === true,
    'VOICE_STATE_UPDATE mute',
    10_000,
    muteFrom,
  );
  t.equal(muted.d.channel_id, guild.voice);
  await bobVoice.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === bob.id && d.mute === true);
  // Packets already in flight may still land; after that, nothing while Bob keeps sending.
  await new Promise((r) => setTimeout(r, 500));
  const heard = aliceVoice.receivedFrom(bob.id);
  await new Promise((r) => setTimeout(r, 1_500));
  t.equal(aliceVoice.receivedFrom(bob.id), heard, 'a server-muted producer is not forwarded');

  // Bob leaves on the voice connection: text-channels clears his voice state for everyone.
  const leaveFrom = a.client.received.length;
  bobVoice.send(VoiceOp.LEAVE);
  const left = await waitVoiceUpdate(a.client, bob.id, null, leaveFrom);
  t.equal(left.d.channel_id, null, 'the leave reaches the main gateway');
  await aliceVoice.next(VoiceOp.PARTICIPANT_LEAVE, (d) => d.user_id === bob.id);
  talking.abort();
});
