import { createHash } from 'node:crypto';

/** How many requests one caller may make in a bucket per fixed window. */
export interface BucketPolicy {
  /** Requests allowed per window, before config.rateLimitScale multiplies it. */
  limit: number;
  windowMs: number;
  /**
   * `shared`: one counter for all callers (Discord's shared scope, e.g. a resource everyone writes
   * to). Default `user`: one counter per user, bot token or client IP.
   */
  scope?: 'user' | 'shared';
}

/** Checked on every limited request besides its route bucket, per caller, like Discord's 50 req/s. */
export const GLOBAL_POLICY: BucketPolicy = { limit: 50, windowMs: 1_000 };

/** For routes whose bucket has no entry in the table. */
export const DEFAULT_POLICY: BucketPolicy = { limit: 30, windowMs: 5_000 };

/**
 * Named buckets. `null` means unlimited (and exempt from the global limit too): probes must never
 * be throttled. Unauthenticated routes are counted per client IP, so the auth entries are what
 * stands between a botnet-less attacker and password guessing.
 */
export const DEFAULT_BUCKET_POLICIES: Readonly<Record<string, BucketPolicy | null>> = {
  'auth.register': { limit: 10, windowMs: 60_000 },
  // Brute force: a handful of guesses per minute per IP...
  'auth.login': { limit: 5, windowMs: 60_000 },
  // ...and per account (the login handler keys it by the normalised login), so rotating IPs does
  // not buy more guesses against one account.
  'auth.login.account': { limit: 10, windowMs: 300_000 },
  'auth.refresh': { limit: 20, windowMs: 60_000 },
  'auth.logout': { limit: 10, windowMs: 60_000 },
  'users.me': { limit: 20, windowMs: 5_000 },
  applications: { limit: 10, windowMs: 10_000 },
  metrics: { limit: 10, windowMs: 10_000 },
  'GET /health': null,
  'GET /ready': null,
};

/**
 * The policy table the limiter reads. Mutable so a route added later (a test, a plugin) can
 * register its bucket; `version` lets the limiter's per-route cache notice such changes.
 */
export class BucketPolicies {
  private readonly table: Map<string, BucketPolicy | null>;
  private changes = 0;

  constructor(table: Readonly<Record<string, BucketPolicy | null>> = DEFAULT_BUCKET_POLICIES) {
    this.table = new Map(Object.entries(table));
  }

  get version(): number {
    return this.changes;
  }

  /** The named policy; DEFAULT_POLICY when the bucket has no entry; null when unlimited. */
  get(bucket: string): BucketPolicy | null {
    const policy = this.table.get(bucket);
    return policy === undefined ? DEFAULT_POLICY : policy;
  }

  /** Sets (or with null: makes unlimited) a bucket's policy. */
  set(bucket: string, policy: BucketPolicy | null): void {
    if (policy !== null && (!(policy.limit >= 1) || !(policy.windowMs >= 1)))
      throw new RangeError(`rate-limit policy ${bucket} needs limit >= 1 and windowMs >= 1`);
    this.table.set(bucket, policy);
    this.changes++;
  }
}

/** What clients see as X-RateLimit-Bucket: stable across instances, says nothing about the route. */
export function bucketHash(bucket: string): string {
  return createHash('sha256').update(`driftway-bucket:${bucket}`).digest('hex').slice(0, 32);
}
