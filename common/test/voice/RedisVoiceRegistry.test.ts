import t from 'tap';
import { createLogger } from '../../src/log/createLogger.js';
import { createRedis } from '../../src/redis/createRedis.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';
import { RedisVoiceRegistry } from '../../src/voice/RedisVoiceRegistry.js';
import type { VoiceInstance } from '../../src/voice/VoiceRegistry.js';

const logger = createLogger({ name: 'test', level: 'silent' });

const instance = (id: string, load = 0, draining = false): VoiceInstance => ({
  id,
  endpoint: `ws://${id}.example:3003/voice`,
  internalUrl: `http://${id}.example:3003`,
  load,
  draining,
});

let server: RedisServer;
t.before(async () => {
  server = await RedisServer.start();
});
t.teardown(() => server.stop());

/** A registry over its own connection, on a flushed database (tests do not share keys). */
async function registry(t: { teardown(fn: () => unknown): void }): Promise<RedisVoiceRegistry> {
  const redis = createRedis(server.url, logger, 'registry-test');
  t.teardown(() => redis.disconnect());
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  return new RedisVoiceRegistry(redis);
}

async function fresh(t: { teardown(fn: () => unknown): void }): Promise<RedisVoiceRegistry> {
  const redis = createRedis(server.url, logger, 'registry-flush');
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  await redis.flushall();
  redis.disconnect();
  return registry(t);
}

const ids = (list: VoiceInstance[]) => list.map((i) => i.id).sort();

t.test('a heartbeat makes an instance alive until its TTL runs out', async (t) => {
  const reg = await fresh(t);
  t.same(await reg.alive(), []);
  await reg.heartbeat(instance('a', 3), 400);
  t.same(await reg.alive(), [instance('a', 3)]);
  await reg.heartbeat(instance('a', 5), 400);
  t.same((await reg.alive())[0]?.load, 5, 'a heartbeat refreshes the load');
  await waitFor(async () => (await reg.alive()).length === 0, { what: 'expiry', timeoutMs: 5_000 });
});

t.test('remove takes an instance out at once', async (t) => {
  const reg = await fresh(t);
  await reg.heartbeat(instance('a'), 60_000);
  await reg.heartbeat(instance('b'), 60_000);
  await reg.remove('a');
  t.same(ids(await reg.alive()), ['b']);
});

t.test('a new channel goes to the least-loaded live instance, and its load is bumped at once', async (t) => {
  const reg = await fresh(t);
  await reg.heartbeat(instance('busy', 10), 60_000);
  await reg.heartbeat(instance('idle', 2), 60_000);
  t.equal((await reg.assign('c1'))?.id, 'idle');
  const idle = (await reg.alive()).find((i) => i.id === 'idle');
  t.equal(idle?.load, 3);
  // Bumped loads spread a burst of new channels before the next heartbeats.
  const spread = new Set<string>();
  for (let i = 0; i < 20; i++) spread.add((await reg.assign(`burst-${i}`))?.id ?? 'none');
  t.same([...spread].sort(), ['busy', 'idle']);
});

t.test('a channel stays on its instance (sticky) while that instance lives', async (t) => {
  const reg = await fresh(t);
  await reg.heartbeat(instance('a', 0), 60_000);
  t.equal((await reg.assign('room'))?.id, 'a');
  await reg.heartbeat(instance('b', 0), 60_000);
  await reg.heartbeat(instance('a', 50), 60_000);
  t.equal((await reg.assign('room'))?.id, 'a', 'still a, though b is less loaded');
});

t.test('a draining instance takes no new channel and loses its channels to others', async (t) => {
  const reg = await fresh(t);
  await reg.heartbeat(instance('a', 0), 60_000);
  t.equal((await reg.assign('room'))?.id, 'a');
  await reg.heartbeat(instance('a', 0, true), 60_000);
  await reg.heartbeat(instance('b', 9), 60_000);
  t.equal((await reg.assign('new-room'))?.id, 'b');
  t.equal((await reg.assign('room'))?.id, 'b', 'rejoining a draining instance goes elsewhere');
});

t.test('a dead instance is forgotten and its channels reassigned; none alive → null', async (t) => {
  const reg = await fresh(t);
  t.equal(await reg.assign('room'), null);
  await reg.heartbeat(instance('a'), 300);
  t.equal((await reg.assign('room'))?.id, 'a');
  await reg.heartbeat(instance('b'), 60_000);
  await waitFor(async () => !ids(await reg.alive()).includes('a'), { what: 'a expired' });
  t.equal((await reg.assign('room'))?.id, 'b');
});

t.test('release forgets the assignment only for the owning instance', async (t) => {
  const reg = await fresh(t);
  await reg.heartbeat(instance('a', 0), 60_000);
  await reg.heartbeat(instance('b', 100), 60_000);
  t.equal((await reg.assign('room'))?.id, 'a');
  await reg.heartbeat(instance('a', 500), 60_000);
  await reg.release('room', 'b');
  t.equal((await reg.assign('room'))?.id, 'a', 'b could not release a channel it does not own');
  await reg.release('room', 'a');
  t.equal((await reg.assign('room'))?.id, 'b', 'released: assigned afresh to the least loaded');
});

t.test('concurrent assigns of one channel from several clients agree on one instance', async (t) => {
  await fresh(t);
  const clients = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registry(t)));
  const first = clients[0] as RedisVoiceRegistry;
  for (const id of ['a', 'b', 'c']) await first.heartbeat(instance(id, 0), 60_000);
  for (let round = 0; round < 10; round++) {
    const chosen = await Promise.all(clients.map((c) => c.assign(`contended-${round}`)));
    t.equal(new Set(chosen.map((i) => i?.id)).size, 1, `round ${round}: one instance`);
  }
});
