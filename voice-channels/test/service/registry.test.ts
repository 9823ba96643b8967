import { createLogger, createRedis, RedisVoiceRegistry, VoiceTokenIssuer } from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { VoiceOp } from '../../src/protocol/protocol.js';
import { VoiceClient } from '../helpers/voiceClient.js';
import { CHANNEL_ID, GUILD_ID, INTERNAL_SECRET, startVoice } from '../helpers/voiceHarness.js';
import { spawnVoice } from '../helpers/voiceProcess.js';

const A = '900000000000000001';
const issuer = new VoiceTokenIssuer(INTERNAL_SECRET);

async function registryOn(t: Test, url: string): Promise<RedisVoiceRegistry> {
  const redis = createRedis(url, createLogger({ name: 'test', level: 'silent' }), 'test');
  t.teardown(() => redis.disconnect());
  await waitFor(() => redis.status === 'ready', { what: 'redis client ready' });
  return new RedisVoiceRegistry(redis);
}

function joinOn(wsUrl: string, instanceId: string): Promise<VoiceClient> {
  return issuer
    .issue({ userId: A, guildId: GUILD_ID, channelId: CHANNEL_ID, instanceId, sessionId: 'main-session' })
    .then((token) =>
      VoiceClient.join(wsUrl, { token, userId: A, guildId: GUILD_ID, sessionId: 'main-session' }),
    );
}

t.test('two instances heartbeat; after one is SIGKILLed its channel goes to the other', async (t) => {
  const redisServer = await RedisServer.start();
  t.teardown(() => redisServer.stop());
  const registry = await registryOn(t, redisServer.url);
  const one = await spawnVoice(t, { REDIS_URL: redisServer.url, INSTANCE_ID: 'voice-one' });
  const two = await spawnVoice(t, { REDIS_URL: redisServer.url, INSTANCE_ID: 'voice-two' });
  const alive = await waitFor(
    async () => {
      const list = await registry.alive();
      return list.length === 2 ? list : null;
    },
    { what: 'both instances registered' },
  );
  t.same(alive.map((i) => i.id).sort(), ['voice-one', 'voice-two']);
  t.match(
    alive.find((i) => i.id === 'voice-one'),
    { endpoint: one.wsUrl, internalUrl: one.httpUrl, load: 0, draining: false },
  );

  const first = await registry.assign(CHANNEL_ID);
  if (!first) throw new Error('no instance assigned');
  const [chosen, other] = first.id === 'voice-one' ? [one, two] : [two, one];
  const client = await joinOn(chosen.wsUrl, chosen.instanceId);
  await waitFor(async () => (await registry.alive()).find((i) => i.id === chosen.instanceId)?.load === 1, {
    what: 'the heartbeat reports the participant as load',
  });

  chosen.child.kill('SIGKILL');
  await chosen.exited;
  await client.closed;
  await client.close();
  await waitFor(async () => (await registry.alive()).every((i) => i.id !== chosen.instanceId), {
    timeoutMs: 15_000,
    what: 'the dead instance expires (TTL 6 s)',
  });
  const next = await registry.assign(CHANNEL_ID);
  t.equal(next?.id, other.instanceId, 'the channel is reassigned to the live instance');
  const rejoined = await joinOn(other.wsUrl, other.instanceId);
  t.teardown(() => rejoined.close());
  t.ok(rejoined.media?.connectionState === 'connected', 'and a client joins there');

  // SIGTERM: drain, RECONNECT, exit 0, gone from the registry.
  const reconnect = rejoined.next(VoiceOp.RECONNECT);
  other.child.kill('SIGTERM');
  await reconnect;
  await rejoined.close();
  t.equal(await other.exited, 0, 'a drained instance exits 0');
  t.same(await registry.alive(), [], 'and has left the registry');
});

t.test('with Redis down the instance keeps serving and /ready says degraded', async (t) => {
  const redisServer = await RedisServer.start();
  t.teardown(() => redisServer.stop());
  const voice = await startVoice(t, {
    redisUrl: redisServer.url,
    env: { VOICE_REGISTRY_HEARTBEAT_MS: '200', VOICE_REGISTRY_TTL_MS: '1000' },
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever /ready answered
  const ready = async (): Promise<any> => (await fetch(`${voice.httpUrl}/ready`)).json();
  t.match(await ready(), { status: 'ready', checks: { registry: { status: 'up' } } });
  await redisServer.kill();
  const degraded = await waitFor(
    async () => {
      const body = await ready();
      return body.status === 'degraded' ? body : null;
    },
    { what: '/ready degraded' },
  );
  t.equal(degraded.checks.registry.status, 'degraded');
  const client = await VoiceClient.open(voice.wsUrl);
  t.teardown(() => client.close());
  const readyOp = await client.identify({
    token: await voice.token({ userId: A }),
    userId: A,
    guildId: GUILD_ID,
    sessionId: `session-${A}`,
  });
  t.equal(readyOp.user_id, A, 'a client still joins');
  await client.close();
  await redisServer.restart();
  await waitFor(async () => (await ready()).status === 'ready', {
    timeoutMs: 10_000,
    what: '/ready recovers',
  });
});
