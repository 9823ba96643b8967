import { createLogger, createRedis } from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { LocalVoiceStateStore } from '../../src/voice/LocalVoiceStateStore.js';
import { RedisVoiceStateStore } from '../../src/voice/RedisVoiceStateStore.js';
import type { VoiceStateRecord } from '../../src/voice/VoiceState.js';
import type { VoiceStateStore } from '../../src/voice/VoiceStateStore.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const server = await RedisServer.start();
t.teardown(() => server.stop());

const state = (userId: string, patch: Partial<VoiceStateRecord> = {}): VoiceStateRecord => ({
  guildId: 'g1',
  channelId: 'c1',
  userId,
  sessionId: `s-${userId}`,
  mute: false,
  deaf: false,
  selfMute: false,
  selfDeaf: false,
  suppress: false,
  instanceId: 'voice-a',
  orphanedAt: null,
  ...patch,
});

let db = 0;
/** Each Redis store gets its own database, flushed, so tests do not see each other's keys. */
async function redisStores(
  t: { teardown(fn: () => unknown): void },
  count: number,
): Promise<VoiceStateStore[]> {
  const index = ++db % 16;
  const out: VoiceStateStore[] = [];
  for (let i = 0; i < count; i++) {
    const redis = createRedis(`${server.url}/${index}`, logger, 'voice-store-test');
    t.teardown(() => redis.disconnect());
    await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
    if (i === 0) await redis.flushdb();
    out.push(new RedisVoiceStateStore(redis));
  }
  return out;
}

const adapters: [string, (t: { teardown(fn: () => unknown): void }) => Promise<VoiceStateStore[]>][] = [
  [
    'local',
    async () => {
      const one = new LocalVoiceStateStore();
      return [one, one, one, one];
    },
  ],
  ['redis', (t) => redisStores(t, 4)],
];

for (const [name, open] of adapters) {
  t.test(`${name}: a state is created only when none exists, and read back as written`, async (t) => {
    const [store] = (await open(t)) as [VoiceStateStore];
    t.equal(await store.get('g1', 'u1'), null);
    t.equal(await store.swap('g1', 'u1', null, state('u1')), true);
    t.same(await store.get('g1', 'u1'), state('u1'));
    t.equal(await store.swap('g1', 'u1', null, state('u1', { channelId: 'c2' })), false, 'one exists');
    t.same(await store.list('g1'), [state('u1')]);
    t.same(await store.guilds(), ['g1']);
  });

  t.test(`${name}: an update wins only against the state it read`, async (t) => {
    const [store] = (await open(t)) as [VoiceStateStore];
    const first = state('u1');
    await store.swap('g1', 'u1', null, first);
    const muted = { ...first, selfMute: true };
    t.equal(await store.swap('g1', 'u1', first, muted), true);
    t.equal(await store.swap('g1', 'u1', first, { ...first, channelId: 'c9' }), false, 'stale read');
    t.same(await store.get('g1', 'u1'), muted);
  });

  t.test(`${name}: concurrent removals from several instances: exactly one removes`, async (t) => {
    const stores = await open(t);
    const s = state('u1');
    await stores[0]?.swap('g1', 'u1', null, s);
    for (let round = 0; round < 5; round++) {
      await stores[0]?.swap('g1', 'u1', null, s);
      const results = await Promise.all(stores.map((store) => store.swap('g1', 'u1', s, null)));
      t.equal(results.filter(Boolean).length, 1, `round ${round}`);
    }
    t.equal(await stores[0]?.get('g1', 'u1'), null);
  });

  t.test(`${name}: the guild set follows the states`, async (t) => {
    const [store] = (await open(t)) as [VoiceStateStore];
    await store.swap('g1', 'u1', null, state('u1'));
    await store.swap('g2', 'u2', null, state('u2', { guildId: 'g2' }));
    t.same((await store.guilds()).sort(), ['g1', 'g2']);
    await store.swap('g1', 'u1', state('u1'), null);
    t.same(await store.guilds(), ['g2']);
    t.same(await store.list('g1'), []);
  });
}
