import { createHmac } from 'node:crypto';
import { ServiceCalls, VOICE_STATE_PATH, VoiceTokenIssuer } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { VoiceClose, VoiceOp } from '../../src/protocol/protocol.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import {
  CHANNEL_ID,
  engineIsEmpty,
  GUILD_ID,
  INTERNAL_SECRET,
  startVoice,
  TURN_SECRET,
} from '../helpers/voiceHarness.js';

const ALICE = '200000000000000001';
const BOB = '200000000000000002';

t.test(
  'identify with a good token gets READY with STUN and TURN servers whose credentials verify',
  async (t) => {
    const voice = await startVoice(t, {
      env: {
        STUN_URLS: 'stun:stun.example.org:3478',
        TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
        TURN_SECRET,
        TURN_TTL_SECONDS: '600',
      },
    });
    const client = await VoiceClient.open(voice.wsUrl);
    t.teardown(() => client.close());
    const hello = client.all(VoiceOp.HELLO)[0];
    t.equal(hello.heartbeat_interval, 13_750, 'HELLO carries the heartbeat interval');
    const before = Math.floor(Date.now() / 1000);
    const ready = await client.identify({
      token: await voice.token({ userId: ALICE }),
      userId: ALICE,
      guildId: GUILD_ID,
      sessionId: `session-${ALICE}`,
    });
    t.equal(ready.user_id, ALICE);
    t.equal(ready.guild_id, GUILD_ID);
    t.equal(ready.channel_id, CHANNEL_ID);
    t.same(
      ready.participants.map((p: { user_id: string }) => p.user_id),
      [ALICE],
      'the participant list has the new user',
    );
    t.same(
      ready.noise_suppression,
      { enabled: false, available: false },
      'no DSP workers: suppression unavailable',
    );
    t.same(ready.ice_servers[0], { urls: ['stun:stun.example.org:3478'] });
    const turn = ready.ice_servers[1];
    t.same(turn.urls, ['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, user] = turn.username.split(':');
    t.equal(user, ALICE, 'the TURN username names the user');
    t.ok(
      Number(expiry) >= before + 600 && Number(expiry) <= before + 602,
      'and expires after TURN_TTL_SECONDS',
    );
    t.equal(
      turn.credential,
      createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'),
      'credential = HMAC-SHA1',
    );
    await client.next(VoiceOp.OFFER);
    t.equal(voice.deps.engine.counts().peerConnections, 1);
    await client.close();
    await waitFor(() => voice.deps.engine.counts().peerConnections === 0, { what: 'PeerConnection closed' });
  },
);

t.test(
  'tokens that do not fit close the socket with documented codes, and leave nothing behind',
  async (t) => {
    const voice = await startVoice(t);
    const identity = { userId: ALICE, guildId: GUILD_ID, sessionId: `session-${ALICE}` };
    const attempt = async (fields: Record<string, unknown>) => {
      const client = await VoiceClient.open(voice.wsUrl);
      client.send(VoiceOp.IDENTIFY, fields);
      return client.closed;
    };
    const base = async (over: Record<string, unknown> = {}) => ({
      token: await voice.token({ userId: ALICE }),
      server_id: GUILD_ID,
      user_id: ALICE,
      session_id: identity.sessionId,
      ...over,
    });

    const forged = await new VoiceTokenIssuer('another-secret-that-is-long-enough-000000').issue(
      voice.grant({ userId: ALICE }),
    );
    t.match(
      await attempt(await base({ token: forged })),
      { code: VoiceClose.AUTHENTICATION_FAILED },
      'bad signature: 4004',
    );
    t.match(
      await attempt(await base({ token: 'not.a.jwt' })),
      { code: VoiceClose.AUTHENTICATION_FAILED },
      'malformed: 4004',
    );
    const expired = await voice.token({ userId: ALICE }, { ttlSeconds: -10 });
    t.match(
      await attempt(await base({ token: expired })),
      { code: VoiceClose.TOKEN_EXPIRED },
      'expired: 4020',
    );
    const elsewhere = await voice.token({ userId: ALICE, instanceId: 'voice-other' });
    t.match(
      await attempt(await base({ token: elsewhere })),
      { code: VoiceClose.WRONG_INSTANCE },
      'another instance: 4021',
    );
    const bobs = await voice.token({ userId: BOB, sessionId: identity.sessionId });
    t.match(
      await attempt(await base({ token: bobs })),
      { code: VoiceClose.AUTHENTICATION_FAILED, reason: 'The token is not for this user_id' },
      "another user's token: 4004",
    );
    t.match(
      await attempt(await base({ channel_id: '100000000000000099' })),
      { code: VoiceClose.AUTHENTICATION_FAILED, reason: 'The token is not for this channel_id' },
      'a token for another channel: 4004',
    );
    t.match(
      await attempt(await base({ session_id: 'someone-elses-session' })),
      { code: VoiceClose.AUTHENTICATION_FAILED, reason: 'The token is not for this session_id' },
      'a token for another gateway session: 4004',
    );
    t.match(await attempt({ token: 'x' }), { code: VoiceClose.DECODE_ERROR }, 'missing fields: 4002');
    engineIsEmpty(t, voice, false);
  },
);

t.test(
  "the token's server state and IDENTIFY's self flags are the participant's state from the start",
  async (t) => {
    const voice = await startVoice(t);
    const client = await VoiceClient.open(voice.wsUrl);
    t.teardown(() => client.close());
    const ready = await client.identify({
      token: await voice.token({ userId: ALICE, mute: true, suppress: true }),
      userId: ALICE,
      guildId: GUILD_ID,
      sessionId: `session-${ALICE}`,
      selfDeaf: true,
    });
    t.same(ready.participants, [
      {
        user_id: ALICE,
        mute: true,
        deaf: false,
        self_mute: false,
        self_deaf: true,
        suppress: true,
        speaking: false,
        noise_suppression: false,
      },
    ]);
  },
);

t.test(
  'a reconnect with the same token keeps a server mute applied since the token was issued',
  async (t) => {
    const voice = await startVoice(t);
    const identity = {
      token: await voice.token({ userId: ALICE }),
      userId: ALICE,
      guildId: GUILD_ID,
      sessionId: `session-${ALICE}`,
    };
    const first = await VoiceClient.open(voice.wsUrl);
    t.teardown(() => first.close());
    await first.identify(identity);
    const applied = await new ServiceCalls(INTERNAL_SECRET).post(voice.httpUrl, VOICE_STATE_PATH, {
      guild_id: GUILD_ID,
      channel_id: CHANNEL_ID,
      user_id: ALICE,
      session_id: `session-${ALICE}`,
      mute: true,
      deaf: false,
      self_mute: false,
      self_deaf: false,
      suppress: false,
    });
    t.same(applied, { applied: true });
    const second = await VoiceClient.open(voice.wsUrl);
    t.teardown(() => second.close());
    const ready = await second.identify(identity);
    t.match(await first.closed, { code: VoiceClose.SESSION_REPLACED });
    t.match(ready.participants, [{ user_id: ALICE, mute: true }], 'still server-muted');
  },
);
