import t from 'tap';
import { bucketHash } from '../../src/ratelimit/BucketPolicies.js';
import { manualClock, send, startGateway } from './helpers/startGateway.js';

const WINDOW = { limit: 3, windowMs: 60_000 };

t.test('responses carry Discord rate-limit headers with the remaining count going down', async (t) => {
  const clock = manualClock(1_700_000_000_000);
  const gw = await startGateway(t, { now: clock.now, buckets: { test: WINDOW } });
  const first = await send(`${gw.url}/t/test`);
  t.equal(first.status, 200);
  t.match(first.headers, {
    'x-ratelimit-limit': '3',
    'x-ratelimit-remaining': '2',
    'x-ratelimit-reset': '1700000060.000',
    'x-ratelimit-reset-after': '60.000',
    'x-ratelimit-bucket': bucketHash('test'),
  });
  t.notOk(first.headers['retry-after'], 'Retry-After only on 429');
  t.notOk(first.headers['x-ratelimit-scope']);
  clock.advance(1_500);
  const second = await send(`${gw.url}/t/test`);
  t.match(second.headers, {
    'x-ratelimit-remaining': '1',
    'x-ratelimit-reset': '1700000060.000',
    'x-ratelimit-reset-after': '58.500',
  });
});

t.test(
  'the request past the limit gets 429 with the Discord body and headers, until the window ends',
  async (t) => {
    const clock = manualClock(1_700_000_000_000);
    const gw = await startGateway(t, { now: clock.now, buckets: { test: WINDOW } });
    for (let i = 0; i < 3; i++) t.equal((await send(`${gw.url}/t/test`)).status, 200);
    clock.advance(1_250);
    const refused = await send(`${gw.url}/t/test`);
    t.equal(refused.status, 429);
    t.match(refused.headers['content-type'], /^application\/json/);
    t.same(refused.body, {
      code: 90030,
      message: 'You are being rate limited.',
      error: 'RATE_LIMITED',
      retry_after: 58.75,
      global: false,
    });
    t.match(refused.headers, {
      'retry-after': '59',
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': '58.750',
      'x-ratelimit-bucket': bucketHash('test'),
      'x-ratelimit-scope': 'user',
    });
    t.notOk(refused.headers['x-ratelimit-global'], 'a route bucket is not the global limit');
    t.ok(refused.headers['x-request-id'], 'the 429 still carries the request id');
    clock.advance(58_750);
    const again = await send(`${gw.url}/t/test`);
    t.equal(again.status, 200, 'a new window opens when the old one ends');
    t.equal(again.headers['x-ratelimit-remaining'], '2');
  },
);

t.test('a 429 is counted in rate_limit_hits_total by bucket', async (t) => {
  const gw = await startGateway(t, {
    now: manualClock().now,
    buckets: { test: { limit: 1, windowMs: 60_000 } },
  });
  await send(`${gw.url}/t/test`);
  t.equal((await send(`${gw.url}/t/test`)).status, 429);
  t.equal((await send(`${gw.url}/t/test`)).status, 429);
  const metrics = await send(`${gw.url}/metrics`);
  t.match(metrics.body, /rate_limit_hits_total\{bucket="test",service="gateway"\} 2/);
});

t.test(
  'the global per-caller limit refuses the 51st request in a second with X-RateLimit-Global',
  async (t) => {
    const clock = manualClock();
    const gw = await startGateway(t, {
      now: clock.now,
      buckets: { 'test.a': { limit: 1_000, windowMs: 60_000 }, 'test.b': { limit: 1_000, windowMs: 60_000 } },
    });
    for (let i = 0; i < 25; i++) t.equal((await send(`${gw.url}/t/test.a`)).status, 200);
    for (let i = 0; i < 25; i++) t.equal((await send(`${gw.url}/t/test.b`)).status, 200);
    const refused = await send(`${gw.url}/t/test.a`);
    t.equal(refused.status, 429);
    t.match(refused.body, { global: true, retry_after: 1, code: 90030 });
    t.match(refused.headers, {
      'x-ratelimit-global': 'true',
      'x-ratelimit-scope': 'global',
      'retry-after': '1',
    });
    t.equal(refused.headers['x-ratelimit-remaining'], '974', 'the route bucket itself still had room');
    const other = await send(`${gw.url}/t/test.a`, { localAddress: '127.0.0.2' });
    t.equal(other.status, 200, 'another client address has its own global limit');
    clock.advance(1_000);
    t.equal((await send(`${gw.url}/t/test.a`)).status, 200, 'the global window reopens after a second');
  },
);

t.test('buckets are separate: exhausting one leaves another untouched', async (t) => {
  const gw = await startGateway(t, {
    now: manualClock().now,
    buckets: { test: WINDOW, 'test.other': WINDOW },
  });
  for (let i = 0; i < 3; i++) await send(`${gw.url}/t/test`);
  t.equal((await send(`${gw.url}/t/test`)).status, 429);
  const other = await send(`${gw.url}/t/test.other`);
  t.equal(other.status, 200);
  t.equal(other.headers['x-ratelimit-remaining'], '2');
  t.equal(other.headers['x-ratelimit-bucket'], bucketHash('test.other'));
});

t.test('each client address has its own bucket', async (t) => {
  const gw = await startGateway(t, { now: manualClock().now, buckets: { test: WINDOW } });
  for (let i = 0; i < 3; i++) await send(`${gw.url}/t/test`, { localAddress: '127.0.0.1' });
  t.equal((await send(`${gw.url}/t/test`, { localAddress: '127.0.0.1' })).status, 429);
  const other = await send(`${gw.url}/t/test`, { localAddress: '127.0.0.3' });
  t.equal(other.status, 200);
  t.equal(other.headers['x-ratelimit-remaining'], '2');
});

t.test('a spoofed X-Forwarded-For from an untrusted client is ignored', async (t) => {
  const gw = await startGateway(t, { now: manualClock().now, buckets: { test: WINDOW } });
  const answers = [];
  for (const spoofed of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'])
    answers.push(await send(`${gw.url}/t/test`, { headers: { 'x-forwarded-for': spoofed } }));
  t.same(
    answers.map((a) => a.headers['x-ratelimit-remaining']),
    ['2', '1', '0', '0'],
    'all four share the socket address bucket',
  );
  t.equal(answers[3]?.status, 429);
});

t.test('through a trusted proxy each X-Forwarded-For client gets its own bucket', async (t) => {
  const gw = await startGateway(t, {
    now: manualClock().now,
    env: { TRUSTED_PROXIES: '127.0.0.1' },
    buckets: { test: WINDOW },
  });
  const viaProxy = (client: string) => send(`${gw.url}/t/test`, { headers: { 'x-forwarded-for': client } });
  for (let i = 0; i < 3; i++) t.equal((await viaProxy('198.51.100.1')).status, 200);
  t.equal((await viaProxy('198.51.100.1')).status, 429);
  const second = await viaProxy('198.51.100.2');
  t.equal(second.status, 200, 'a different forwarded client is not limited');
  t.equal(second.headers['x-ratelimit-remaining'], '2');
  // A client can prepend its own entry; the proxy appends the real one, which is what counts.
  const prepended = await viaProxy('198.51.100.9, 198.51.100.1');
  t.equal(prepended.status, 429, 'the rightmost untrusted entry is the client');
  const direct = await send(`${gw.url}/t/test`, {
    localAddress: '127.0.0.2',
    headers: { 'x-forwarded-for': '198.51.100.3' },
  });
  t.equal(direct.headers['x-ratelimit-remaining'], '2', 'an untrusted peer is counted by its own address');
});

t.test('health and readiness probes are never rate limited', async (t) => {
  const gw = await startGateway(t, { now: manualClock().now });
  for (let i = 0; i < 60; i++) {
    const health = await send(`${gw.url}/health`);
    if (health.status !== 200) t.fail(`probe ${i} answered ${health.status}`);
  }
  const ready = await send(`${gw.url}/ready`);
  t.equal(ready.status, 200);
  t.notOk(ready.headers['x-ratelimit-limit'], 'no rate-limit headers on probes');
  t.notOk(
    (ready.body as { checks: Record<string, unknown> }).checks['redis'],
    'no redis check in embedded mode',
  );
});

t.test('unmatched routes are limited too, by the shared "unmatched" bucket', async (t) => {
  const gw = await startGateway(t, { now: manualClock().now });
  const missing = await send(`${gw.url}/no/such/route`);
  t.equal(missing.status, 404);
  t.equal(missing.headers['x-ratelimit-bucket'], bucketHash('unmatched'));
  t.equal(missing.headers['x-ratelimit-remaining'], '29');
});

t.test('a route bucket is counted per channel, as Discord counts per major parameter', async (t) => {
  const gw = await startGateway(t, { now: manualClock().now, channelBuckets: { chan: WINDOW } });
  const hit = (channel: string) => send(`${gw.url}/api/v10/channels/${channel}/t/chan`);
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await hit('111')).status);
  t.same(statuses, [200, 200, 200, 429], 'one channel runs out');
  const other = await hit('222');
  t.equal(other.status, 200, 'another channel has its own count');
  t.equal(other.headers['x-ratelimit-remaining'], '2');
  t.equal(other.headers['x-ratelimit-bucket'], bucketHash('chan'), 'the same bucket, as on Discord');
});
