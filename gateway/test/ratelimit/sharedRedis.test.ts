import { RedisServer, waitFor } from '@driftway/common/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { type Gateway, type LogLine, send, startGateway, type Teardown } from './helpers/startGateway.js';

const BUCKETS = {
  test: { limit: 3, windowMs: 60_000 },
  'test.fault': { limit: 3, windowMs: 60_000 },
  'test.stall': { limit: 3, windowMs: 60_000 },
};
const WARN = 40;
const INFO = 30;

const server = await RedisServer.start();
t.teardown(() => server.stop());

async function pair(t: Teardown): Promise<[Gateway, Gateway]> {
  return [
    await startGateway(t, { redisUrl: server.url, buckets: BUCKETS }),
    await startGateway(t, { redisUrl: server.url, buckets: BUCKETS }),
  ];
}

const statuses = async (url: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(url)).status);
  return out;
};

const readiness = async (gw: Gateway) =>
  (await send(`${gw.url}/ready`)).body as {
    status: string;
    checks: Record<string, { status: string; mode?: string }>;
  };

const lines = (gw: Gateway, level: number, text: string): LogLine[] =>
  gw.logs.filter((l) => l.level === level && l.msg.includes(text));

t.test('two gateway instances sharing one redis count into the same bucket', async (t) => {
  const [a, b] = await pair(t);
  const first = await send(`${a.url}/t/test`);
  const second = await send(`${b.url}/t/test`);
  const third = await send(`${a.url}/t/test`);
  t.same(
    [first, second, third].map((r) => r.headers['x-ratelimit-remaining']),
    ['2', '1', '0'],
    'each instance sees the other instance’s hits',
  );
  t.equal(first.headers['x-ratelimit-bucket'], second.headers['x-ratelimit-bucket'], 'same bucket hash');
  const refused = await send(`${b.url}/t/test`);
  t.equal(refused.status, 429);
  t.match(refused.body, { code: 90030, global: false });
  t.ok(Number(refused.headers['retry-after']) > 0);
  t.match(await readiness(a), { status: 'ready', checks: { redis: { status: 'up', mode: 'redis' } } });
});

t.test('when redis dies the gateways keep answering with per-instance limits, and recover', async (t) => {
  const [a, b] = await pair(t);
  t.same(await statuses(`${a.url}/t/test.fault`, 1), [200]);
  t.same(await statuses(`${b.url}/t/test.fault`, 1), [200]);

  await server.kill();
  await waitFor(() => lines(a, WARN, 'rate limits fall back').length > 0, { what: 'the fallback warning' });

  // Limits still hold, but each instance counts on its own: both allow their own three.
  t.same(await statuses(`${a.url}/t/test.fault`, 4), [200, 200, 200, 429], 'instance A limits in memory');
  t.same(await statuses(`${b.url}/t/test.fault`, 4), [200, 200, 200, 429], 'instance B has its own count');

  const degraded = await send(`${a.url}/ready`);
  t.equal(degraded.status, 200, 'degraded is still ready to serve');
  t.match(degraded.body, {
    status: 'degraded',
    checks: { storage: { status: 'up' }, redis: { status: 'degraded', mode: 'memory' } },
  });
  t.equal(lines(a, WARN, 'rate limits fall back').length, 1, 'the fallback is logged once, not per request');
  t.equal(lines(b, WARN, 'rate limits fall back').length, 1);

  await server.restart();
  for (const gw of [a, b])
    await waitFor(async () => (await readiness(gw)).status === 'ready', {
      what: 'readiness after redis came back',
      timeoutMs: 10_000,
    });
  t.match(await readiness(a), { checks: { redis: { status: 'up', mode: 'redis' } } });
  t.equal(lines(a, INFO, 'shared again').length, 1, 'the recovery is logged once');
  t.equal(lines(b, INFO, 'shared again').length, 1);

  // Shared again: the restarted (empty) redis holds one bucket both instances fill.
  t.same(await statuses(`${a.url}/t/test.fault`, 2), [200, 200]);
  t.same(await statuses(`${b.url}/t/test.fault`, 2), [200, 429], 'B sees A’s hits again');
});

t.test('a redis that stops answering without disconnecting is given up on, not waited for', async (t) => {
  const gw = await startGateway(t, { redisUrl: server.url, buckets: BUCKETS });
  const admin = new Redis(server.url, { lazyConnect: true });
  t.teardown(() => admin.disconnect());
  await admin.connect();
  // The connection stays open but nothing is answered: only the per-call deadline can notice.
  await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');

  const answered = await send(`${gw.url}/t/test.stall`);
  t.equal(answered.status, 200, 'the request is answered, counted in memory');
  t.equal(answered.headers['x-ratelimit-remaining'], '2');
  const [warning] = lines(gw, WARN, 'rate limits fall back');
  t.match(warning, { reason: /did not answer/ });
  t.match(await readiness(gw), { status: 'degraded' });

  await waitFor(async () => (await readiness(gw)).status === 'ready', {
    what: 'readiness after the pause ended',
    timeoutMs: 15_000,
  });
  t.equal(lines(gw, INFO, 'shared again').length, 1);
});

t.test('handler keys (per-account limits) are shared too, and never stored in the clear', async (t) => {
  const [a, b] = await pair(t);
  a.app.rateLimiter.policies.set('test.account', { limit: 2, windowMs: 60_000 });
  b.app.rateLimiter.policies.set('test.account', { limit: 2, windowMs: 60_000 });
  t.match(await a.app.rateLimiter.hit('test.account', 'alice@example.com'), { remaining: 1 });
  t.match(await b.app.rateLimiter.hit('test.account', 'alice@example.com'), { remaining: 0 });
  const refused = await b.app.rateLimiter
    .enforce('test.account', 'alice@example.com')
    .catch((e: unknown) => e);
  t.match(refused, { status: 429, code: 90030 });
  t.match(await b.app.rateLimiter.hit('test.account', 'bob@example.com'), { limited: false });
  const keys = await (a.redis as NonNullable<Gateway['redis']>).keys('*');
  t.ok(keys.length > 0);
  t.notOk(
    keys.some((k) => k.includes('alice')),
    'the account name is hashed',
  );
});
