import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import { GUILD_ID, startVoice, type VoiceHarness } from '../helpers/voiceHarness.js';

const A = '130000000000000001';
const B = '130000000000000002';

async function join(voice: VoiceHarness, userId: string): Promise<VoiceClient> {
  const token = await voice.token({ userId });
  return VoiceClient.join(voice.wsUrl, { token, userId, guildId: GUILD_ID, sessionId: `session-${userId}` });
}

t.test('a PeerConnection that ends under an open socket ends the voice connection (4023)', async (t) => {
  const voice = await startVoice(t);
  const a = await join(voice, A);
  const b = await join(voice, B);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  await b.media?.close();
  t.match(await b.closed, { code: VoiceClose.MEDIA_FAILED }, 'the socket closes with 4023');
  t.same(await a.next(VoiceOp.PARTICIPANT_LEAVE), { user_id: B, reason: 'connection_lost' });
  await waitFor(() => voice.deps.engine.counts().peerConnections === 1, {
    timeoutMs: 20_000,
    what: "B's server-side PeerConnection closed",
  });
});
