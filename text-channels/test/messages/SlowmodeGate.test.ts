import { createLogger, createRedis } from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { SlowmodeGate } from '../../src/messages/SlowmodeGate.js';

const logger = createLogger({ name: 'test', level: 'silent' });

t.test('locally: one claim per user and channel per interval; a release gives it back', async (t) => {
  let now = 1_000_000;
  const gate = new SlowmodeGate(null, logger, () => now);
  const first = await gate.acquire('c1', 'u1', 10);
  t.equal(first.allowed, true);
  const second = await gate.acquire('c1', 'u1', 10);
  t.same(second, { allowed: false, retryAfterMs: 10_000 });
  t.equal((await gate.acquire('c1', 'u2', 10)).allowed, true, 'another user');
  t.equal((await gate.acquire('c2', 'u1', 10)).allowed, true, 'another channel');
  now += 4_000;
  t.same(await gate.acquire('c1', 'u1', 10), { allowed: false, retryAfterMs: 6_000 });
  now += 6_000;
  const third = await gate.acquire('c1', 'u1', 10);
  t.equal(third.allowed, true, 'after the interval');
  if (third.allowed) await third.release();
  t.equal((await gate.acquire('c1', 'u1', 10)).allowed, true, 'released');
});

t.test('with Redis, the window is shared by every instance', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.kill());
  const a = createRedis(server.url, logger, 'a');
  const b = createRedis(server.url, logger, 'b');
  t.teardown(() => {
    a.disconnect();
    b.disconnect();
  });
  await waitFor(() => a.status === 'ready' && b.status === 'ready', { what: 'redis clients' });
  const one = new SlowmodeGate(a, logger, Date.now);
  const two = new SlowmodeGate(b, logger, Date.now);
  t.equal((await one.acquire('c', 'u', 30)).allowed, true);
  const refused = await two.acquire('c', 'u', 30);
  t.equal(refused.allowed, false, 'the other instance sees the claim');
  if (!refused.allowed) t.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 30_000);
});
