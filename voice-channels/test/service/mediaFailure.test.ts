import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { joinedClient, startVoice } from '../helpers/voiceHarness.js';

const A = '130000000000000001';
const B = '130000000000000002';

t.test('a PeerConnection that ends under an open socket ends the voice connection (4023)', async (t) => {
  const voice = await startVoice(t);
  const a = await joinedClient(voice, A);
  const b = await joinedClient(voice, B);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await b.media?.close();
  t.match(await b.closed, { code: VoiceClose.MEDIA_FAILED }, 'the socket closes with 4023');
  t.same(await a.next(VoiceOp.PARTICIPANT_LEAVE), { user_id: B, reason: 'connection_lost' });
  await waitFor(() => voice.deps.engine.counts().peerConnections === 1, {
    timeoutMs: 20_000,
    what: "B's server-side PeerConnection closed",
  });
});
