import {
  ServiceCalls,
  VOICE_DISCONNECT_PATH,
  VOICE_LEFT_PATH,
  VOICE_SELF_STATE_PATH,
  VOICE_STATE_PATH,
} from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { voiceErrors } from '../../src/errors.js';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { startTextStandIn } from '../helpers/textStandIn.js';
import {
  CHANNEL_ID,
  GUILD_ID,
  INTERNAL_SECRET,
  identifiedClient,
  startVoice,
} from '../helpers/voiceHarness.js';

const MOD = '600000000000000001';
const B = '600000000000000002';
const C = '600000000000000003';
const OTHER_CHANNEL = '100000000000000077';

t.test('MODERATE is forwarded to text-channels as the moderator, and its answer relayed', async (t) => {
  const text = await startTextStandIn(t);
  const voice = await startVoice(t, { textUrl: text.url });
  const calls = new ServiceCalls(INTERNAL_SECRET);
  // Like text-channels: check the permission, store, then tell the voice instance.
  text.onModeration = async (call, guildId, userId) => {
    if (call.identity?.userId !== MOD)
      return { status: 403, body: { code: 50013, message: 'Missing Permissions' } };
    if ('deaf' in call.body) return { status: 403, body: { code: 50013, message: 'Missing Permissions' } };
    if ('mute' in call.body)
      await calls.post(voice.httpUrl, VOICE_STATE_PATH, {
        guild_id: guildId,
        channel_id: CHANNEL_ID,
        user_id: userId,
        session_id: `session-${userId}`,
        mute: call.body.mute,
        deaf: false,
        self_mute: false,
        self_deaf: false,
        suppress: false,
      });
    if ('channel_id' in call.body)
      await calls.post(voice.httpUrl, VOICE_DISCONNECT_PATH, {
        guild_id: guildId,
        channel_id: CHANNEL_ID,
        user_id: userId,
        reason: call.body.channel_id === null ? 'disconnected_by_moderator' : 'moved',
      });
    return { status: 200, body: { user: { id: userId } } };
  };
  const mod = await identifiedClient(voice, MOD);
  const b = await identifiedClient(voice, B);
  const c = await identifiedClient(voice, C);
  t.teardown(() => Promise.all([mod.close(), b.close(), c.close()]));

  mod.send(VoiceOp.MODERATE, { user_id: B, mute: true, nonce: 'n1' });
  t.same(
    await mod.next(VoiceOp.MODERATE_ACK),
    { user_id: B, nonce: 'n1' },
    'acknowledged once text answered',
  );
  const patch = await text.next(`/api/v10/guilds/${GUILD_ID}/members/${B}`);
  t.same(patch.body, { mute: true });
  t.equal(patch.identity?.userId, MOD, 'signed as the moderator (x-driftway-identity)');
  await b.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === B && d.mute === true);
  await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === B && d.mute === true);

  mod.send(VoiceOp.MODERATE, { user_id: B, deaf: true, nonce: 'n2' });
  const refused = await mod.next(VoiceOp.ERROR, (d) => d.nonce === 'n2');
  t.same(refused, {
    code: 50013,
    message: 'Missing Permissions',
    op: VoiceOp.MODERATE,
    status: 403,
    user_id: B,
    nonce: 'n2',
  });

  mod.send(VoiceOp.MODERATE, { user_id: C, channel_id: OTHER_CHANNEL });
  t.match(await c.closed, { code: VoiceClose.DISCONNECTED, reason: 'Disconnected: moved' }, 'moved: 4014');
  const moved = await text.next(`/api/v10/guilds/${GUILD_ID}/members/${C}`);
  t.same(moved.body, { channel_id: OTHER_CHANNEL });

  mod.send(VoiceOp.MODERATE, { user_id: B, disconnect: true, nonce: 'n3' });
  t.match(await b.closed, {
    code: VoiceClose.DISCONNECTED,
    reason: 'Disconnected: disconnected_by_moderator',
  });
  const disconnect = await text.next(
    `/api/v10/guilds/${GUILD_ID}/members/${B}`,
    (call) => 'channel_id' in call.body,
  );
  t.same(disconnect.body, { channel_id: null });
  await mod.next(VoiceOp.PARTICIPANT_LEAVE, (d) => d.user_id === B && d.reason === 'disconnected');
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(
    text.calls.some((call) => call.path === VOICE_LEFT_PATH),
    'a disconnect text asked for is not reported back as a leave',
  );

  text.onModeration = () => 'hang-up';
  mod.send(VoiceOp.MODERATE, { user_id: B, mute: false, nonce: 'n4' });
  const down = await mod.next(VoiceOp.ERROR, (d) => d.nonce === 'n4');
  t.equal(down.code, voiceErrors.table.VOICE_TEXT_UNAVAILABLE.code, 'text unreachable: 90214');
  t.equal(mod.isClosed, null, 'the moderator stays connected throughout');
});

t.test(
  'self state and leaving are reported to text-channels; a dead text-channels changes nothing for clients',
  async (t) => {
    const text = await startTextStandIn(t);
    const voice = await startVoice(t, { textUrl: text.url });
    const a = await identifiedClient(voice, MOD);
    const b = await identifiedClient(voice, B);
    t.teardown(() => Promise.all([a.close(), b.close()]));

    a.send(VoiceOp.SELF_STATE, { self_mute: true, self_deaf: true });
    const self = await text.next(VOICE_SELF_STATE_PATH);
    t.same(self.body, {
      guild_id: GUILD_ID,
      channel_id: CHANNEL_ID,
      user_id: MOD,
      session_id: `session-${MOD}`,
      self_mute: true,
      self_deaf: true,
    });
    a.send(VoiceOp.LEAVE);
    const left = await text.next(VOICE_LEFT_PATH, (call) => call.body.user_id === MOD);
    t.same(left.body, {
      guild_id: GUILD_ID,
      channel_id: CHANNEL_ID,
      user_id: MOD,
      session_id: `session-${MOD}`,
      instance_id: voice.instanceId,
      reason: 'left',
    });

    b.ws.terminate();
    const lost = await text.next(VOICE_LEFT_PATH, (call) => call.body.user_id === B);
    t.equal(lost.body.reason, 'connection_lost', 'a dropped socket is reported as connection_lost');

    await text.close();
    const c = await identifiedClient(voice, C);
    c.send(VoiceOp.SELF_STATE, { self_mute: true });
    await c.next(VoiceOp.PARTICIPANT_UPDATE, (d) => d.user_id === C && d.self_mute === true);
    t.equal(c.isClosed, null, 'text-channels down: the self state still applies');
    await c.close();
    await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnections closed' });
  },
);
