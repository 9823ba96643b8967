/** A bucket with its policy resolved and scaled: what a check counts against. */
export interface ResolvedBucket {
  readonly name: string;
  /** X-RateLimit-Bucket; also the bucket's part of the counter key. */
  readonly hash: string;
  /** Scaled limit; 0 with `unlimited`. */
  readonly limit: number;
  readonly windowMs: number;
  readonly shared: boolean;
  readonly unlimited: boolean;
  /** The policy table version this was resolved against. */
  readonly version: number;
}

/** The outcome of one check, with everything the Discord headers and the 429 body need. */
export interface RateLimitVerdict {
  /** The route (or named) bucket the headers describe. */
  readonly bucket: ResolvedBucket;
  readonly remaining: number;
  /** Epoch ms when the bucket's window closes. */
  readonly resetAt: number;
  readonly resetAfterMs: number;
  readonly limited: boolean;
  /** The global per-caller limit was the one exceeded. */
  readonly global: boolean;
  readonly retryAfterMs: number;
  readonly scope: 'user' | 'shared' | 'global';
}

/**
 * Pure window math: a bucket allows `limit` hits per window, so the hit that makes the count
 * exceed it is refused. `msLeft` values are what the store reports for each window. Pass a global
 * count of 0 when only the bucket was checked.
 */
export function decide(
  bucket: ResolvedBucket,
  count: number,
  msLeft: number,
  globalLimit: number,
  globalCount: number,
  globalMsLeft: number,
  now: number,
): RateLimitVerdict {
  const bucketLimited = count > bucket.limit;
  const globalLimited = globalCount > globalLimit;
  const resetAfterMs = msLeft > 0 ? msLeft : 0;
  let retryAfterMs = 0;
  if (bucketLimited) retryAfterMs = resetAfterMs;
  if (globalLimited && globalMsLeft > retryAfterMs) retryAfterMs = globalMsLeft;
  return {
    bucket,
    remaining: count >= bucket.limit ? 0 : bucket.limit - count,
    resetAt: now + resetAfterMs,
    resetAfterMs,
    limited: bucketLimited || globalLimited,
    global: globalLimited,
    retryAfterMs,
    scope: globalLimited ? 'global' : bucket.shared ? 'shared' : 'user',
  };
}
