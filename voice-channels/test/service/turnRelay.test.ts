import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { Coturn } from '../helpers/coturn.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import { identityOf, startVoice, TURN_SECRET } from '../helpers/voiceHarness.js';

const A = '120000000000000001';
const B = '120000000000000002';

t.test("a relay-only client connects through a real coturn with READY's TURN credentials", async (t) => {
  const coturn = await Coturn.start({ secret: TURN_SECRET });
  t.teardown(() => coturn.kill());
  const voice = await startVoice(t, { env: { TURN_URLS: coturn.url, TURN_SECRET } });
  // READY's ice_servers are the only TURN credentials A has: connecting proves coturn accepts them.
  const a = await VoiceClient.join(voice.wsUrl, await identityOf(voice, A), {
    iceTransportPolicy: 'relay',
  }).catch((err) => {
    throw new Error(`${(err as Error).message}\ncoturn log:\n${coturn.log}`);
  });
  const b = await VoiceClient.join(voice.wsUrl, await identityOf(voice, B));
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const candidates = a.media?.pc.iceTransports[0]?.connection.localCandidates ?? [];
  t.ok(
    candidates.length > 0 && candidates.every((c) => c.type === 'relay'),
    'A gathered relay candidates only',
  );

  await waitFor(() => b.producerOf.has(A) && a.producerOf.has(B), {
    timeoutMs: 20_000,
    what: 'streams mapped',
  });
  const packets = encodeOpus(cleanSpeech()).slice(100, 130);
  await a.media?.sendOpus(packets);
  await waitFor(() => b.receivedFrom(A) >= packets.length - 3, {
    timeoutMs: 20_000,
    what: "A's audio via TURN",
  });
  await b.media?.sendOpus(packets);
  await waitFor(() => a.receivedFrom(B) >= packets.length - 3, {
    timeoutMs: 20_000,
    what: "B's audio to A via TURN",
  });
});
