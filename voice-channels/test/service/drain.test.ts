import { VOICE_LEFT_PATH } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { startTextStandIn } from '../helpers/textStandIn.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import { GUILD_ID, identifiedClient, startVoice } from '../helpers/voiceHarness.js';

const A = '800000000000000001';
const B = '800000000000000002';
const C = '800000000000000003';

t.test('drain: RECONNECT to everyone, no new sessions, then the stragglers are closed', async (t) => {
  const text = await startTextStandIn(t);
  const voice = await startVoice(t, { textUrl: text.url });
  const a = await identifiedClient(voice, A);
  const b = await identifiedClient(voice, B);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  // A leaves when told to reconnect; B ignores it.
  a.next(VoiceOp.RECONNECT).then(() => a.close());

  const drained = voice.app.drain(3_000);
  t.same(await b.next(VoiceOp.RECONNECT), { reason: 'draining' }, 'RECONNECT');
  const left = await text.next(VOICE_LEFT_PATH, (call) => call.body.user_id === A);
  t.equal(left.body.reason, 'drained', 'text-channels hears the leave was a drain (keeps the voice state)');

  const ready = await fetch(`${voice.httpUrl}/ready`);
  t.equal(ready.status, 503, '/ready fails while draining');
  t.match(await ready.json(), { checks: { drain: { status: 'down', detail: 'draining' } } });

  const late = await VoiceClient.open(voice.wsUrl);
  late.send(VoiceOp.IDENTIFY, {
    token: await voice.token({ userId: C }),
    server_id: GUILD_ID,
    user_id: C,
    session_id: `session-${C}`,
  });
  t.match(await late.closed, { code: VoiceClose.SERVER_DRAINING }, 'a new IDENTIFY while draining: 4022');

  await drained;
  t.match(await b.closed, { code: VoiceClose.SERVER_DRAINING }, 'the straggler is closed with 4022');
  const bLeft = await text.next(VOICE_LEFT_PATH, (call) => call.body.user_id === B);
  t.equal(bLeft.body.reason, 'drained');
  await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnections closed' });
  t.same(voice.app.ctx.rooms.counts(), { rooms: 0, participants: 0 });
});
