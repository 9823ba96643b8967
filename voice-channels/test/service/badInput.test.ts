import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import WebSocket from 'ws';
import { voiceErrors } from '../../src/errors.js';
import { MAX_FRAME_BYTES, VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import { GUILD_ID, identifiedClient, startVoice } from '../helpers/voiceHarness.js';

const A = '500000000000000001';
const code = (key: keyof typeof voiceErrors.table) => voiceErrors.table[key].code;

t.test('malformed frames close the socket with documented codes', async (t) => {
  const voice = await startVoice(t);
  const closeWith = async (send: (c: VoiceClient) => void) => {
    const client = await VoiceClient.open(voice.wsUrl);
    send(client);
    return client.closed;
  };
  t.match(await closeWith((c) => c.sendRaw('{"op": 0, "d": ')), {
    code: VoiceClose.DECODE_ERROR,
    reason: 'Invalid JSON',
  });
  t.match(await closeWith((c) => c.sendRaw('[1,2]')), { code: VoiceClose.DECODE_ERROR }, 'not an envelope');
  t.match(
    await closeWith((c) => c.sendRaw('{"op":"0"}')),
    { code: VoiceClose.DECODE_ERROR },
    'op not an integer',
  );
  t.match(await closeWith((c) => c.sendRaw(Buffer.from('{"op":3}'), { binary: true })), {
    code: VoiceClose.DECODE_ERROR,
    reason: 'Binary frames are not supported',
  });
  t.match(await closeWith((c) => c.send(99, {})), {
    code: VoiceClose.UNKNOWN_OPCODE,
    reason: 'Unknown opcode 99',
  });
  t.match(
    await closeWith((c) => c.send(VoiceOp.READY, {})),
    { code: VoiceClose.UNKNOWN_OPCODE },
    'a server-only op',
  );
  t.match(
    await closeWith((c) =>
      c.sendRaw(JSON.stringify({ op: VoiceOp.HEARTBEAT, d: 'x'.repeat(MAX_FRAME_BYTES) })),
    ),
    { code: 1009 },
    'a frame over 16 KB: 1009 from the WebSocket layer',
  );
  for (const op of [VoiceOp.ANSWER, VoiceOp.CANDIDATE, VoiceOp.SELF_STATE, VoiceOp.MODERATE, VoiceOp.LEAVE]) {
    t.match(
      await closeWith((c) => c.send(op, {})),
      { code: VoiceClose.NOT_AUTHENTICATED },
      `op ${op} before IDENTIFY: 4003`,
    );
  }
  const rejected = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${voice.port}/gateway`);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
  t.equal(rejected, 404, 'only /voice upgrades');
  t.same(voice.deps.engine.counts().peerConnections, 0);
});

t.test('heartbeats are acknowledged; silence, floods and double IDENTIFY close the session', async (t) => {
  const voice = await startVoice(t, { env: { VOICE_HEARTBEAT_INTERVAL_MS: '1000' } });
  const quiet = await VoiceClient.open(voice.wsUrl);
  quiet.send(VoiceOp.HEARTBEAT, 42);
  t.equal(await quiet.next(VoiceOp.HEARTBEAT_ACK), 42, 'the ACK echoes the nonce');
  t.match(await quiet.closed, { code: VoiceClose.SESSION_TIMED_OUT, reason: 'No IDENTIFY in time' });

  const twice = await identifiedClient(voice, A);
  twice.send(VoiceOp.IDENTIFY, { token: 'x', server_id: GUILD_ID, user_id: A, session_id: 's' });
  t.match(await twice.closed, { code: VoiceClose.ALREADY_AUTHENTICATED });

  const flood = await VoiceClient.open(voice.wsUrl);
  for (let i = 0; i < 301; i++) flood.send(VoiceOp.HEARTBEAT, i);
  t.match(await flood.closed, { code: VoiceClose.RATE_LIMITED });

  const silent = await identifiedClient(voice, A);
  // The test client heartbeats every half interval; stop it and the server gives up after two.
  silent.stopHeartbeat();
  const closed = (await silent.closed).code;
  t.equal(closed, VoiceClose.SESSION_TIMED_OUT, 'no heartbeat: 4009');
  await waitFor(() => voice.deps.engine.counts().peerConnections === 0, {
    what: 'its PeerConnection closed',
  });
});

t.test('bad signalling gets an ERROR op and the connection stays usable', async (t) => {
  const voice = await startVoice(t);
  const client = await identifiedClient(voice, A);
  t.teardown(() => client.close());
  client.autoAnswer = false;
  const offer = await client.next(VoiceOp.OFFER);
  t.equal(offer.revision, 1);

  client.send(VoiceOp.ANSWER, { sdp: 'v=0\r\nthis is not sdp', revision: 1 });
  const invalid = await client.next(VoiceOp.ERROR, (d) => d.op === VoiceOp.ANSWER);
  t.equal(invalid.code, code('VOICE_INVALID_SDP'), 'malformed SDP: 90210');

  client.send(VoiceOp.ANSWER, { sdp: 'v=0', revision: 7 });
  const stale = await client.next(VoiceOp.ERROR, (d) => d.code === code('VOICE_STALE_REVISION'));
  t.match(stale.message, /revision 7.*revision 1/);

  client.send(VoiceOp.CANDIDATE, { candidate: 'candidate:garbage', sdp_mid: '0', sdp_mline_index: 0 });
  await client.next(VoiceOp.ERROR, (d) => d.code === code('VOICE_INVALID_CANDIDATE'));

  client.send(VoiceOp.SELF_STATE, { noise_suppression: true });
  await client.next(VoiceOp.ERROR, (d) => d.code === code('VOICE_NOISE_SUPPRESSION_UNAVAILABLE'));

  client.send(VoiceOp.SPEAKING, { speaking: 1 });
  t.equal(client.isClosed, null, 'still open: client SPEAKING is ignored by design');

  // The offer is still pending: a good answer for the same revision connects.
  client.autoAnswer = true;
  await client.connectMedia();
  t.equal(client.isClosed, null);
  client.send(VoiceOp.ANSWER, { sdp: 'v=0', revision: 1 });
  await client.next(VoiceOp.ERROR, (d) => d.code === code('VOICE_NO_PENDING_OFFER'));

  await client.close();
  await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnection closed' });
});
