import { waitFor } from '@driftway/common/testing';
import OpusScript from 'opusscript';
import t from 'tap';
import { VoiceOp } from '../../src/protocol/protocol.js';
import { encodeOpus, FRAME_SAMPLES, noisySpeech, SAMPLE_RATE } from '../helpers/audioFixtures.js';
import { measureSuppression } from '../helpers/audioQuality.js';
import type { ReceivedPacket } from '../helpers/engineClient.js';
import { frameLevels } from '../helpers/engineClient.js';
import type { VoiceClient } from '../helpers/voiceClient.js';
import { joinedClient, startVoice, type VoiceHarness } from '../helpers/voiceHarness.js';

const A = '110000000000000001';
const B = '110000000000000002';

function join(voice: VoiceHarness, userId: string, channelDefault?: boolean): Promise<VoiceClient> {
  return joinedClient(
    voice,
    userId,
    channelDefault === undefined ? {} : { noiseSuppression: channelDefault },
  );
}

/**
 * What B heard, as PCM on the sender's timeline: one decoder over the packets in timestamp order
 * (Opus decoding is stateful), each frame placed at its (rewritten) timestamp's slot.
 */
function heardPcm(packets: ReceivedPacket[], frameCount: number): Int16Array {
  const pcm = new Int16Array(frameCount * FRAME_SAMPLES);
  const first = packets[0];
  if (!first) return pcm;
  const slot = (p: ReceivedPacket) => ((p.timestamp - first.timestamp) >>> 0) / FRAME_SAMPLES;
  const ordered = [...packets].sort((x, y) => slot(x) - slot(y));
  const decoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  try {
    for (const packet of ordered) {
      const index = slot(packet);
      if (!Number.isInteger(index) || index >= frameCount) continue;
      const out = decoder.decode(packet.payload);
      pcm.set(
        new Int16Array(out.buffer, out.byteOffset, Math.min(FRAME_SAMPLES, out.byteLength / 2)),
        index * FRAME_SAMPLES,
      );
    }
  } finally {
    decoder.delete();
  }
  return pcm;
}

t.test('noisy speech through the SFU with suppression on: noise drops ≥ 10 dB, speech stays', async (t) => {
  const voice = await startVoice(t, { env: { DSP_WORKERS: '1' }, dsp: 'patient' });
  const a = await join(voice, A);
  const b = await join(voice, B, false);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  t.same(a.all(VoiceOp.READY)[0].noise_suppression, { enabled: true, available: true }, 'on by default');
  t.same(
    b.all(VoiceOp.READY)[0].noise_suppression,
    { enabled: false, available: true },
    "the token's channel default",
  );
  await waitFor(() => b.producerOf.has(A), { timeoutMs: 20_000, what: "B consumes A's microphone" });

  const { clean, noisy } = noisySpeech();
  const packets = encodeOpus(noisy);
  await a.media?.sendOpus(packets, { levels: frameLevels(noisy) });
  await waitFor(() => b.receivedFrom(A) >= packets.length - 5, {
    timeoutMs: 60_000,
    what: 'the speech arrived',
  });
  const received = b.packetsFrom(A);
  t.ok(received.length <= packets.length, 'one packet out per packet in');
  const report = measureSuppression(clean, noisy, heardPcm(received, packets.length));
  t.ok(report.nonSpeechFrames > 50 && report.speechFrames > 100, 'the fixture has both kinds of segment');
  t.ok(report.noiseDropDb >= 10, `noise dropped by ${report.noiseDropDb.toFixed(1)} dB`);
  t.ok(report.speechCorrelation >= 0.8, `speech correlation ${report.speechCorrelation.toFixed(3)}`);
  const stats = voice.deps.noise?.stats();
  t.ok(stats && stats.denoised > packets.length / 2, 'most frames went through RNNoise');

  // Negative control on the same path: suppression off forwards A's packets untouched.
  a.send(VoiceOp.SELF_STATE, { noise_suppression: false });
  await b.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === A && d.noise_suppression === false);
  const before = b.receivedFrom(A);
  const burst = packets.slice(100, 130);
  await a.media?.sendOpus(burst);
  await waitFor(() => b.receivedFrom(A) >= before + burst.length - 2, {
    timeoutMs: 20_000,
    what: 'the burst',
  });
  const sent = new Set(burst.map((p) => p.toString('base64')));
  t.ok(
    b
      .packetsFrom(A)
      .slice(before)
      .every((p) => sent.has(p.payload.toString('base64'))),
    'suppression off: the bytes A sent',
  );
});
