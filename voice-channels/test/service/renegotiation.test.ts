import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import type { VoiceClient } from '../helpers/voiceClient.js';
import { engineIsEmpty, joinedClient, startVoice } from '../helpers/voiceHarness.js';

const A = '400000000000000001';
const B = '400000000000000002';
const C = '400000000000000003';
const packets = encodeOpus(cleanSpeech()).slice(100, 140);

async function hears(listener: VoiceClient, speaker: VoiceClient, speakerId: string): Promise<void> {
  const before = listener.receivedFrom(speakerId);
  await speaker.media?.sendOpus(packets);
  await waitFor(() => listener.receivedFrom(speakerId) >= before + packets.length - 5, {
    timeoutMs: 20_000,
    what: `${speakerId} heard`,
  });
}

t.test('late joins, leaves and a second connection of the same user renegotiate everyone', async (t) => {
  const voice = await startVoice(t);
  const a = await joinedClient(voice, A);
  const b = await joinedClient(voice, B);
  const clients = [a, b];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));

  const c = await joinedClient(voice, C);
  clients.push(c);
  const ready = c.all(VoiceOp.READY)[0];
  t.same(
    ready.participants.map((p: { user_id: string }) => p.user_id).sort(),
    [A, B, C],
    "C's READY lists everyone already there",
  );
  await a.next(VoiceOp.PARTICIPANT_JOIN, (d) => d.user_id === C);
  await b.next(VoiceOp.PARTICIPANT_JOIN, (d) => d.user_id === C);
  await waitFor(() => [a, b, c].every((x) => x.producerOf.size === 2), {
    timeoutMs: 20_000,
    what: 'everyone renegotiated',
  });
  t.same([...c.producerOf.keys()].sort(), [A, B], "C's offer streams carry A and B");
  await hears(c, a, A);
  await hears(c, b, B);
  await hears(a, c, C);

  const offersBefore = { a: a.all(VoiceOp.OFFER).length, c: c.all(VoiceOp.OFFER).length };
  b.send(VoiceOp.LEAVE, null);
  t.match(await b.closed, { code: 1000 }, 'LEAVE: the server closes with 1000');
  t.same(await a.next(VoiceOp.PARTICIPANT_LEAVE), { user_id: B, reason: 'left' });
  await c.next(VoiceOp.PARTICIPANT_LEAVE, (d) => d.user_id === B);
  await waitFor(
    () => a.all(VoiceOp.OFFER).length > offersBefore.a && c.all(VoiceOp.OFFER).length > offersBefore.c,
    {
      timeoutMs: 20_000,
      what: 'A and C re-offered',
    },
  );
  await a.settled();
  await c.settled();
  t.same([...a.producerOf.keys()], [C], "A's streams no longer carry B");
  const revisions = a.all(VoiceOp.OFFER).map((o) => o.revision);
  t.same(
    revisions,
    revisions.map((_, i) => i + 1),
    'revisions count up from 1, one offer at a time',
  );
  await hears(c, a, A);
  t.equal(voice.deps.engine.counts().peerConnections, 2, "B's PeerConnection is gone");

  // A second connection of the same user replaces the first (e.g. a client that reconnected).
  const a2 = await joinedClient(voice, A);
  clients.push(a2);
  t.match(await a.closed, { code: VoiceClose.SESSION_REPLACED }, 'the older connection closes with 4006');
  const rejoined = await c.next(VoiceOp.PARTICIPANT_JOIN, (d) => d.user_id === A);
  t.equal(rejoined.user_id, A, 'the others see A (re)joined, not a leave');
  t.notOk(
    c.all(VoiceOp.PARTICIPANT_LEAVE).some((d) => d.user_id === A),
    'no PARTICIPANT_LEAVE for A',
  );
  await waitFor(() => c.producerOf.get(A) !== undefined && a2.producerOf.get(C) !== undefined, {
    timeoutMs: 20_000,
    what: 'renegotiated with the new connection',
  });
  await c.settled();
  await hears(c, a2, A);
  await hears(a2, c, C);
  t.same(voice.app.ctx.rooms.counts(), { rooms: 1, participants: 2 });

  await Promise.all(clients.map((x) => x.close()));
  await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnections closed' });
  engineIsEmpty(t, voice, false);
});
