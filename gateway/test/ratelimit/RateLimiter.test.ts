import { createLogger } from '@driftway/common';
import { Registry } from 'prom-client';
import t from 'tap';
import { BucketPolicies, bucketHash, DEFAULT_POLICY } from '../../src/ratelimit/BucketPolicies.js';
import { RateLimitedError } from '../../src/ratelimit/RateLimitedError.js';
import { RateLimiter, routeBucketName } from '../../src/ratelimit/RateLimiter.js';
import { manualClock } from './helpers/startGateway.js';

function limiter(scale = 1) {
  const clock = manualClock();
  const metrics = new Registry();
  const rateLimiter = new RateLimiter({
    redis: null,
    logger: createLogger({ name: 'test', level: 'silent' }),
    metrics,
    now: clock.now,
    scale,
  });
  return { rateLimiter, clock, metrics };
}

t.test('a route bucket is its config name, else method and pattern, HEAD sharing GET', async (t) => {
  t.equal(routeBucketName({ bucket: 'users.me', url: '/api/v10/users/@me', method: 'GET' }), 'users.me');
  t.equal(routeBucketName({ url: '/api/v10/guilds/*', method: 'POST' }), 'POST /api/v10/guilds/*');
  t.equal(routeBucketName({ url: '/x', method: 'HEAD' }), 'GET /x');
  t.equal(routeBucketName({ url: '/x', method: ['GET', 'POST'] }), 'GET,POST /x');
  t.equal(routeBucketName({}), 'unmatched', 'the not-found handler has no url');
});

t.test('unknown buckets get the default policy; health and readiness are unlimited', async (t) => {
  const { rateLimiter } = limiter();
  t.match(rateLimiter.bucket('POST /nowhere'), { limit: DEFAULT_POLICY.limit, unlimited: false });
  t.equal(rateLimiter.bucket('GET /health').unlimited, true);
  t.equal(rateLimiter.bucketForRoute({ url: '/ready', method: 'HEAD' }).unlimited, true);
  t.equal(rateLimiter.bucket('auth.login').hash, bucketHash('auth.login'));
  t.match(bucketHash('auth.login'), /^[0-9a-f]{32}$/);
  t.not(bucketHash('auth.login'), bucketHash('auth.register'));
});

t.test('every limit is multiplied by the scale, rounded down, never below one', async (t) => {
  t.equal(limiter(10).rateLimiter.bucket('auth.login').limit, 50);
  t.equal(limiter(0.5).rateLimiter.bucket('auth.login').limit, 2);
  t.equal(limiter(0.01).rateLimiter.bucket('auth.login').limit, 1);
});

t.test('changing a policy after a route was resolved takes effect on its next request', async (t) => {
  const { rateLimiter } = limiter();
  const route = { bucket: 'later', url: '/later', method: 'GET' };
  t.equal(rateLimiter.bucketForRoute(route).limit, DEFAULT_POLICY.limit);
  rateLimiter.policies.set('later', { limit: 2, windowMs: 1_000 });
  t.equal(rateLimiter.bucketForRoute(route).limit, 2);
  rateLimiter.policies.set('later', null);
  t.equal(rateLimiter.bucketForRoute(route).unlimited, true);
});

t.test('a policy without a positive limit and window is refused', async (t) => {
  const policies = new BucketPolicies();
  t.throws(() => policies.set('bad', { limit: 0, windowMs: 1_000 }), RangeError);
  t.throws(() => policies.set('bad', { limit: 1, windowMs: Number.NaN }), RangeError);
});

t.test('requests count per subject and bucket, and the window reopens when it ends', async (t) => {
  const { rateLimiter, clock } = limiter();
  rateLimiter.policies.set('b', { limit: 2, windowMs: 1_000 });
  const bucket = rateLimiter.bucket('b');
  t.equal((await rateLimiter.checkRequest(bucket, 'ip:1')).remaining, 1);
  t.equal((await rateLimiter.checkRequest(bucket, 'ip:1')).remaining, 0);
  t.equal((await rateLimiter.checkRequest(bucket, 'ip:2')).remaining, 1, 'another caller has its own count');
  clock.advance(400);
  const refused = await rateLimiter.checkRequest(bucket, 'ip:1');
  t.match(refused, { limited: true, retryAfterMs: 600, scope: 'user' });
  clock.advance(600);
  t.match(await rateLimiter.checkRequest(bucket, 'ip:1'), { limited: false, remaining: 1 });
});

t.test('the global limit of 50 per second per caller applies across buckets', async (t) => {
  const { rateLimiter, clock } = limiter();
  rateLimiter.policies.set('roomy', { limit: 1_000, windowMs: 60_000 });
  const roomy = rateLimiter.bucket('roomy');
  for (let i = 0; i < 40; i++) await rateLimiter.checkRequest(roomy, 'user:1');
  for (let i = 0; i < 10; i++) await rateLimiter.checkRequest(rateLimiter.bucket('other'), 'user:1');
  const refused = await rateLimiter.checkRequest(roomy, 'user:1');
  t.match(refused, { limited: true, global: true, scope: 'global', retryAfterMs: 1_000 });
  t.equal((await rateLimiter.checkRequest(roomy, 'user:2')).limited, false, 'other callers are unaffected');
  clock.advance(1_000);
  t.equal((await rateLimiter.checkRequest(roomy, 'user:1')).limited, false);
});

t.test('hit() limits a handler-chosen key without the global limit, enforce() throws the 429', async (t) => {
  const { rateLimiter, metrics } = limiter();
  rateLimiter.policies.set('per.account', { limit: 1, windowMs: 60_000 });
  t.equal(await rateLimiter.hit('GET /health', 'x'), null, 'unlimited buckets are not counted');
  t.match(await rateLimiter.hit('per.account', 'alice'), { limited: false, remaining: 0 });
  t.match(await rateLimiter.hit('per.account', 'bob'), { limited: false });
  const error = await rateLimiter.enforce('per.account', 'alice').catch((e: unknown) => e);
  t.type(error, RateLimitedError);
  const limited = error as RateLimitedError;
  t.equal(limited.status, 429);
  t.same(limited.toBody(), {
    code: 90030,
    message: 'You are being rate limited.',
    error: 'RATE_LIMITED',
    retry_after: 60,
    global: false,
  });
  t.match(limited.headers, {
    'Retry-After': '60',
    'X-RateLimit-Limit': '1',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Bucket': bucketHash('per.account'),
    'X-RateLimit-Scope': 'user',
  });
  t.match(await metrics.metrics(), /rate_limit_hits_total\{bucket="per.account"\} 1/);
});

t.test('without redis the limiter reports no readiness check and counts in memory', async (t) => {
  const { rateLimiter } = limiter();
  t.equal(rateLimiter.readinessCheck(), null);
  t.equal(rateLimiter.mode, 'memory');
});
