import { ServiceCalls, VOICE_STATE_PATH } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceOp } from '../../src/protocol/protocol.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { frameLevels } from '../helpers/engineClient.js';
import type { VoiceClient } from '../helpers/voiceClient.js';
import {
  engineIsEmpty,
  INTERNAL_SECRET,
  joinedClient,
  startVoice,
  type VoiceHarness,
  voiceStateBody,
} from '../helpers/voiceHarness.js';

const A = '300000000000000001';
const B = '300000000000000002';
const C = '300000000000000003';

const speech = cleanSpeech();
const packets = encodeOpus(speech);
const levels = frameLevels(speech);

/** A speaks for `count` frames (20 ms pacing, with audio levels). */
function speak(client: VoiceClient, from = 0, count = 50): Promise<void> {
  const media = client.media;
  if (!media) throw new Error('not joined');
  return media.sendOpus(packets.slice(from, from + count), { levels: levels.slice(from, from + count) });
}

async function stateChange(voice: VoiceHarness, userId: string, flags: Partial<Record<string, boolean>>) {
  const calls = new ServiceCalls(INTERNAL_SECRET);
  return calls.post(voice.httpUrl, VOICE_STATE_PATH, voiceStateBody(userId, flags));
}

t.test('three participants: forwarding, mute, deafen and speaking', async (t) => {
  const voice = await startVoice(t);
  const a = await joinedClient(voice, A);
  const b = await joinedClient(voice, B);
  const c = await joinedClient(voice, C);
  t.teardown(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });
  for (const client of [a, b, c]) await client.settled();
  await waitFor(() => [a, b, c].every((x) => x.producerOf.size === 2), {
    timeoutMs: 20_000,
    what: 'streams mapped',
  });

  await t.test("A's Opus packets reach B and C, byte for byte", async (t) => {
    await speak(a, 100, 50);
    await waitFor(() => b.receivedFrom(A) >= 45 && c.receivedFrom(A) >= 45, {
      timeoutMs: 20_000,
      what: 'A heard',
    });
    const sent = new Set(packets.slice(100, 150).map((p) => p.toString('base64')));
    t.ok(
      b.packetsFrom(A).every((p) => sent.has(p.payload.toString('base64'))),
      'B got the packets A sent',
    );
    t.ok(
      c.packetsFrom(A).every((p) => sent.has(p.payload.toString('base64'))),
      'C got the packets A sent',
    );
    t.equal(a.receivedFrom(A), 0, 'A does not hear itself');
  });

  await t.test('speaking events follow the audio level and reach everyone', async (t) => {
    const spoke = await b.next(VoiceOp.SPEAKING, (d) => d.user_id === A && d.speaking === true);
    t.same(spoke, { user_id: A, speaking: true });
    await c.next(VoiceOp.SPEAKING, (d) => d.user_id === A && d.speaking === true);
    // Silence (level 127) ends it.
    await a.media?.sendOpus(packets.slice(0, 30), { levels: new Array(30).fill(127) });
    await b.next(VoiceOp.SPEAKING, (d) => d.user_id === A && d.speaking === false);
  });

  await t.test('self mute: B and C receive nothing from A, and everyone sees the update', async (t) => {
    a.send(VoiceOp.SELF_STATE, { self_mute: true });
    const update = await b.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.self_mute === true);
    t.equal(update.mute, false);
    await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.self_mute === true);
    const [bBefore, cBefore] = [b.receivedFrom(A), c.receivedFrom(A)];
    const speakingBefore = b.all(VoiceOp.SPEAKING).length;
    await speak(a, 100, 50);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(b.receivedFrom(A), bBefore, 'B received nothing');
    t.equal(c.receivedFrom(A), cBefore, 'C received nothing');
    t.equal(b.all(VoiceOp.SPEAKING).length, speakingBefore, 'a muted microphone never speaks');
    a.send(VoiceOp.SELF_STATE, { self_mute: false });
    await b.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.self_mute === false);
    await speak(a, 100, 20);
    await waitFor(() => b.receivedFrom(A) > bBefore, { timeoutMs: 10_000, what: 'A heard again' });
  });

  await t.test('server mute (text-channels through the internal route): nothing is forwarded', async (t) => {
    t.same(await stateChange(voice, A, { mute: true }), { applied: true });
    const update = await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.mute === true);
    t.equal(update.self_mute, false);
    const [bBefore, cBefore] = [b.receivedFrom(A), c.receivedFrom(A)];
    // Self-unmuting does not lift a server mute.
    a.send(VoiceOp.SELF_STATE, { self_mute: false });
    await speak(a, 100, 50);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(b.receivedFrom(A), bBefore, 'B received nothing');
    t.equal(c.receivedFrom(A), cBefore, 'C received nothing');
    await stateChange(voice, A, { mute: false });
    await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.mute === false);
  });

  await t.test('deafen: the deafened client receives nothing, the others still do', async (t) => {
    b.send(VoiceOp.SELF_STATE, { self_deaf: true });
    await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === B && d.self_deaf === true);
    const [bBefore, cBefore] = [b.receivedFrom(A), c.receivedFrom(A)];
    await speak(a, 100, 50);
    await waitFor(() => c.receivedFrom(A) >= cBefore + 45, { timeoutMs: 10_000, what: 'C still hears A' });
    await new Promise((r) => setTimeout(r, 200));
    t.equal(b.receivedFrom(A), bBefore, 'B (deafened) received nothing');
    await stateChange(voice, B, { deaf: true });
    b.send(VoiceOp.SELF_STATE, { self_deaf: false });
    await c.next(
      VoiceOp.PARTICIPANT_UPDATE,
      (d) => d.user_id === B && d.deaf === true && d.self_deaf === false,
    );
    await speak(a, 100, 30);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(b.receivedFrom(A), bBefore, 'server-deafened B received nothing either');
  });

  await t.test('metrics count what was forwarded', async (t) => {
    const metrics = await (await fetch(`${voice.httpUrl}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    t.ok(value('voice_rtp_packets_forwarded_total') >= 90, 'forwarded packets counted');
    t.equal(value('voice_participants'), 3);
    t.equal(value('voice_rooms'), 1);
    t.equal(value('voice_peer_connections'), 3);
    const rtts = value('voice_consumer_rtt_seconds_count');
    t.ok(rtts > 0, `round-trip times measured from receiver reports (${rtts})`);
    const sum = Number(
      /^voice_consumer_rtt_seconds_sum\{[^}]*\} ([\d.e-]+)/m.exec(metrics)?.[1] ?? Number.NaN,
    );
    t.ok(sum / rtts < 0.25, 'and they are loopback-sized');
  });

  await t.test('everyone leaves: PeerConnections return to zero', async (t) => {
    await Promise.all([a.close(), b.close(), c.close()]);
    await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnections closed' });
    engineIsEmpty(t, voice);
  });
});
