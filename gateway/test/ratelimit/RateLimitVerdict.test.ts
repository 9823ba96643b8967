import t from 'tap';
import { decide, type ResolvedBucket } from '../../src/ratelimit/RateLimitVerdict.js';

const bucket: ResolvedBucket = {
  name: 'test',
  hash: 'abc',
  limit: 3,
  windowMs: 10_000,
  shared: false,
  unlimited: false,
  version: 0,
};

t.test('hits up to the limit pass with the remaining count going down to zero', async (t) => {
  t.match(decide(bucket, 1, 10_000, 50, 1, 1_000, 100), {
    remaining: 2,
    limited: false,
    resetAt: 10_100,
    resetAfterMs: 10_000,
    retryAfterMs: 0,
  });
  t.match(decide(bucket, 3, 4_000, 50, 3, 1_000, 100), { remaining: 0, limited: false });
});

t.test('the hit past the limit is refused, retry after the bucket window', async (t) => {
  t.match(decide(bucket, 4, 4_000, 50, 4, 1_000, 100), {
    remaining: 0,
    limited: true,
    global: false,
    retryAfterMs: 4_000,
    scope: 'user',
  });
});

t.test('the global limit refuses even when the bucket has room, and says so', async (t) => {
  t.match(decide(bucket, 1, 9_000, 50, 51, 700, 100), {
    remaining: 2,
    limited: true,
    global: true,
    retryAfterMs: 700,
    scope: 'global',
  });
});

t.test('when both are exceeded the longer wait wins and the refusal is global', async (t) => {
  t.match(decide(bucket, 9, 300, 50, 60, 800, 0), { global: true, retryAfterMs: 800 });
  t.match(decide(bucket, 9, 3_000, 50, 60, 800, 0), { global: true, retryAfterMs: 3_000 });
});

t.test('a shared bucket reports the shared scope; a negative time left counts as zero', async (t) => {
  t.match(decide({ ...bucket, shared: true }, 4, -5, 50, 1, 1_000, 100), {
    scope: 'shared',
    resetAfterMs: 0,
    resetAt: 100,
  });
});
