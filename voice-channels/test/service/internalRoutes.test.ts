import {
  InternalIdentitySigner,
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  type ServiceCallError,
  ServiceCalls,
  VOICE_DISCONNECT_PATH,
  VOICE_STATE_PATH,
} from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import {
  CHANNEL_ID,
  GUILD_ID,
  INTERNAL_SECRET,
  startVoice,
  type VoiceHarness,
  voiceStateBody,
} from '../helpers/voiceHarness.js';

const A = '700000000000000001';
const B = '700000000000000002';

const state = voiceStateBody;

async function post(voice: VoiceHarness, path: string, body: unknown, header?: string) {
  const res = await fetch(`${voice.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { [SERVICE_HEADER]: header } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

t.test('internal routes refuse unsigned calls (401) and bad bodies (400)', async (t) => {
  const voice = await startVoice(t);
  const unsigned = await post(voice, VOICE_STATE_PATH, state(A));
  t.equal(unsigned.status, 401);
  t.match(unsigned.body, { code: 90201, error: 'VOICE_SERVICE_UNAUTHORIZED' });

  const foreign = new ServiceCalls('a-different-internal-secret-0123456789abcdef');
  const refused = await foreign
    .post(voice.httpUrl, VOICE_STATE_PATH, state(A))
    .catch((e: ServiceCallError) => e);
  t.equal((refused as ServiceCallError).status, 401, 'another secret: 401');

  // A header signed for the other route does not open this one.
  const ours = new ServiceCalls(INTERNAL_SECRET);
  const signedForOther = signedHeader(VOICE_DISCONNECT_PATH);
  t.equal(
    (await post(voice, VOICE_STATE_PATH, state(A), signedForOther)).status,
    401,
    'signed for another path: 401',
  );

  const bad = await ours
    .post(voice.httpUrl, VOICE_STATE_PATH, { ...state(A), mute: 'yes' })
    .catch((e: ServiceCallError) => e);
  t.equal((bad as ServiceCallError).status, 400, 'a bad body: 400');
  const detail = await post(
    voice,
    VOICE_DISCONNECT_PATH,
    { user_id: A },
    signedHeader(VOICE_DISCONNECT_PATH),
  );
  t.equal(detail.status, 400);
  t.match(detail.body, { code: 50035, errors: { guild_id: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } });

  t.same(await ours.post(voice.httpUrl, VOICE_DISCONNECT_PATH, { ...state(A), reason: 'left' }), {
    disconnected: false,
  });
});

/** A service signature as ServiceCalls makes it, for a chosen path. */
function signedHeader(path: string): string {
  const signer = new InternalIdentitySigner(INTERNAL_SECRET, 30_000, Date.now, SERVICE_PURPOSE);
  return signer.sign({ kind: 'user', userId: '0', scopes: [] }, { method: 'POST', url: path });
}

t.test('a state text-channels sends before the user connects applies from the first packet', async (t) => {
  const voice = await startVoice(t);
  const calls = new ServiceCalls(INTERNAL_SECRET);
  t.same(
    await calls.post(voice.httpUrl, VOICE_STATE_PATH, state(A, { suppress: true })),
    { applied: false },
    'kept',
  );
  const a = await VoiceClient.join(voice.wsUrl, {
    token: await voice.token({ userId: A }),
    userId: A,
    guildId: GUILD_ID,
    sessionId: `session-${A}`,
  });
  const b = await VoiceClient.join(voice.wsUrl, {
    token: await voice.token({ userId: B }),
    userId: B,
    guildId: GUILD_ID,
    sessionId: `session-${B}`,
  });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const ready = b.all(VoiceOp.READY)[0];
  t.match(
    ready.participants.find((p: { user_id: string }) => p.user_id === A),
    { suppress: true, mute: false },
    'READY shows A suppressed',
  );
  await waitFor(() => b.producerOf.has(A), { timeoutMs: 20_000, what: "B consumes A's microphone" });
  await a.media?.sendOpus(encodeOpus(cleanSpeech()).slice(100, 150));
  await new Promise((r) => setTimeout(r, 300));
  t.equal(b.receivedFrom(A), 0, 'a suppressed user is never forwarded');

  t.same(
    await calls.post(voice.httpUrl, VOICE_DISCONNECT_PATH, {
      guild_id: GUILD_ID,
      channel_id: CHANNEL_ID,
      user_id: A,
      reason: 'kicked',
    }),
    { disconnected: true },
  );
  t.match(await a.closed, { code: VoiceClose.DISCONNECTED, reason: 'Disconnected: kicked' });
  t.same(await b.next(VoiceOp.PARTICIPANT_LEAVE), { user_id: A, reason: 'disconnected' });
});

t.test('health, readiness and metrics', async (t) => {
  const voice = await startVoice(t);
  const health = await fetch(`${voice.httpUrl}/health`);
  t.same(await health.json(), { status: 'ok' });
  const ready = await fetch(`${voice.httpUrl}/ready`);
  t.equal(ready.status, 200);
  t.match(await ready.json(), {
    status: 'ready',
    checks: { registry: { status: 'up' }, drain: { status: 'up' } },
  });
  const metrics = await (await fetch(`${voice.httpUrl}/metrics`)).text();
  for (const name of [
    'voice_participants',
    'voice_rooms',
    'voice_peer_connections',
    'voice_rtp_packets_forwarded_total',
    'voice_rtp_packets_lost_total',
    'voice_denoise_frames_total',
    'voice_denoise_frame_seconds',
    'voice_consumer_rtt_seconds',
    'nodejs_eventloop_lag_seconds',
  ])
    t.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), `exports ${name}`);
});
