import { createHash } from 'node:crypto';
import type { Logger, ReadinessCheck } from '@driftway/common';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { BucketPolicies, type BucketPolicy, bucketHash, GLOBAL_POLICY } from './BucketPolicies.js';
import { MemoryWindowStore } from './MemoryWindowStore.js';
import { RateLimitedError } from './RateLimitedError.js';
import { decide, type RateLimitVerdict, type ResolvedBucket } from './RateLimitVerdict.js';
import { RedisWindowStore } from './RedisWindowStore.js';

export interface RateLimiterOptions {
  /** Shared counters; null in embedded mode (memory only). */
  redis: Redis | null;
  logger: Logger;
  metrics: Registry;
  now: () => number;
  /** config.rateLimitScale: multiplies every limit. */
  scale: number;
  policies?: BucketPolicies;
  global?: BucketPolicy;
  /** How long a Redis call may take before this request is counted in memory instead. */
  redisDeadlineMs?: number;
}

/** The parts of a route's config (Fastify's context config) that name its bucket. */
export interface RouteBucketSource {
  bucket?: string | undefined;
  url?: string | undefined;
  method?: string | string[] | undefined;
}

/** While Redis is marked unreachable but the client says it is connected, retry it this often. */
const PROBE_INTERVAL_MS = 1_000;

/**
 * Fixed-window rate limiting per caller and bucket, plus a global per-caller limit. Counters live
 * in Redis when it is configured, so all instances share them; if Redis becomes unreachable the
 * limiter counts in this instance's memory (limits still hold, per instance) and switches back when
 * Redis answers again, logging each transition once and reporting it in /ready.
 */
export class RateLimiter {
  readonly policies: BucketPolicies;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly scale: number;
  private readonly globalPolicy: BucketPolicy;
  private readonly globalBucket: ResolvedBucket;
  private readonly byRoute = new WeakMap<object, ResolvedBucket>();
  private readonly byName = new Map<string, ResolvedBucket>();
  private readonly hits: Counter<'bucket'>;
  private readonly memory = new MemoryWindowStore();
  private readonly redis: Redis | null;
  private readonly remote: RedisWindowStore | null;
  /** True while counters go to Redis; false while they fall back to memory. */
  private shared: boolean;
  private nextProbeAt = 0;
  private readonly onRedisReady = () => this.markShared();
  private readonly onRedisClose = () => this.markLocal('connection closed');

  constructor(options: RateLimiterOptions) {
    this.log = options.logger.child({ module: 'ratelimit' });
    this.now = options.now;
    this.scale = options.scale;
    this.policies = options.policies ?? new BucketPolicies();
    this.globalPolicy = options.global ?? GLOBAL_POLICY;
    this.globalBucket = this.resolvePolicy('global', this.globalPolicy);
    this.hits = new Counter({
      name: 'rate_limit_hits_total',
      help: 'Requests refused with 429, by the bucket that refused them (global: the per-caller limit)',
      labelNames: ['bucket'] as const,
      registers: [options.metrics],
    });
    this.redis = options.redis;
    this.remote = options.redis ? new RedisWindowStore(options.redis, options.redisDeadlineMs) : null;
    this.shared = this.remote !== null;
    if (options.redis) {
      options.redis.on('ready', this.onRedisReady);
      options.redis.on('close', this.onRedisClose);
    }
  }

  /** `redis` while counters are shared by all instances; `memory` otherwise. */
  get mode(): 'redis' | 'memory' {
    return this.shared ? 'redis' : 'memory';
  }

  /** The bucket a route counts against, cached per route (the config object is one per route). */
  bucketForRoute(config: RouteBucketSource): ResolvedBucket {
    let bucket = this.byRoute.get(config);
    if (bucket === undefined || bucket.version !== this.policies.version) {
      bucket = this.bucket(routeBucketName(config));
      this.byRoute.set(config, bucket);
    }
    return bucket;
  }

  /** A named bucket from the policy table. */
  bucket(name: string): ResolvedBucket {
    let bucket = this.byName.get(name);
    if (bucket === undefined || bucket.version !== this.policies.version) {
      bucket = this.resolvePolicy(name, this.policies.get(name));
      this.byName.set(name, bucket);
    }
    return bucket;
  }

  /**
   * Counts one request by `subject` against `bucket` and against the subject's global limit, in one
   * round trip. Callers must skip unlimited buckets.
   */
  async checkRequest(bucket: ResolvedBucket, subject: string, major = ''): Promise<RateLimitVerdict> {
    // The route bucket counts per major parameter (channel or guild), as Discord's do; the global
    // limit stays per caller.
    const key = this.counterKey(bucket, major === '' ? subject : subject + '|' + major);
    const globalKey = 'rl:global:' + subject;
    const global = this.globalBucket;
    if (this.remote !== null && this.useRemote()) {
      try {
        const r = await this.remote.hitTwo(key, bucket.windowMs, globalKey, global.windowMs);
        this.markShared();
        return this.count(
          decide(bucket, r[0] ?? 0, r[1] ?? 0, global.limit, r[2] ?? 0, r[3] ?? 0, this.now()),
        );
      } catch (err) {
        this.markLocal(err);
      }
    }
    const now = this.now();
    const counter = this.memory.hit(key, bucket.windowMs, now);
    const count = counter.count;
    const msLeft = counter.resetAt - now;
    const g = this.memory.hit(globalKey, global.windowMs, now);
    return this.count(decide(bucket, count, msLeft, global.limit, g.count, g.resetAt - now, now));
  }

  /**
   * Counts one hit of `key` in the named bucket, without the global limit: for limits a handler
   * adds on its own keys (login attempts per account). Null when the bucket is unlimited.
   */
  async hit(bucketName: string, key: string): Promise<RateLimitVerdict | null> {
    const bucket = this.bucket(bucketName);
    if (bucket.unlimited) return null;
    // Hashed: handler keys are often personal (an email) and unbounded; neither belongs in Redis.
    const counterKey = this.counterKey(bucket, 'key:' + createHash('sha256').update(key).digest('base64url'));
    if (this.remote !== null && this.useRemote()) {
      try {
        const r = await this.remote.hit(counterKey, bucket.windowMs);
        this.markShared();
        return this.count(decide(bucket, r[0] ?? 0, r[1] ?? 0, 1, 0, 0, this.now()));
      } catch (err) {
        this.markLocal(err);
      }
    }
    const now = this.now();
    const counter = this.memory.hit(counterKey, bucket.windowMs, now);
    return this.count(decide(bucket, counter.count, counter.resetAt - now, 1, 0, 0, now));
  }

  /** As `hit`, but throws the 429 (RateLimitedError) when the key is over its limit. */
  async enforce(bucketName: string, key: string): Promise<RateLimitVerdict | null> {
    const verdict = await this.hit(bucketName, key);
    if (verdict?.limited) throw new RateLimitedError(verdict);
    return verdict;
  }

  /** The /ready check, or null in embedded mode where there is no Redis to report on. */
  readinessCheck(): ReadinessCheck | null {
    const redis = this.redis;
    const remote = this.remote;
    if (redis === null || remote === null) return null;
    return {
      name: 'redis',
      required: false,
      run: async () => {
        // Recover without waiting for traffic when the connection is back but no call proved it.
        if (!this.shared && redis.status === 'ready') {
          try {
            await remote.ping();
            this.markShared();
          } catch {
            // still unreachable; reported below
          }
        }
        return this.shared
          ? { status: 'up', mode: 'redis' }
          : {
              status: 'degraded',
              mode: 'memory',
              detail: 'redis is unreachable: rate limits are counted per instance',
            };
      },
    };
  }

  close(): void {
    this.redis?.off('ready', this.onRedisReady);
    this.redis?.off('close', this.onRedisClose);
    this.memory.clear();
  }

  /**
   * Redis only when the client says it can run commands now (no waiting on a dead server). After
   * a failure with the client still "ready" (a stalled connection), one request per interval
   * probes it while the rest count in memory.
   */
  private useRemote(): boolean {
    if ((this.redis as Redis).status !== 'ready') {
      if (this.shared) this.markLocal('client not ready');
      return false;
    }
    if (this.shared) return true;
    const now = this.now();
    if (now < this.nextProbeAt) return false;
    this.nextProbeAt = now + PROBE_INTERVAL_MS;
    return true;
  }

  private markLocal(reason: unknown): void {
    this.nextProbeAt = this.now() + PROBE_INTERVAL_MS;
    if (!this.shared || this.remote === null) return;
    this.shared = false;
    this.log.warn(
      { reason: reason instanceof Error ? reason.message : String(reason) },
      'redis is unreachable: rate limits fall back to per-instance memory',
    );
  }

  private markShared(): void {
    if (this.shared || this.remote === null) return;
    this.shared = true;
    this.log.info('redis is reachable again: rate limits are shared again');
  }

  private count(verdict: RateLimitVerdict): RateLimitVerdict {
    if (verdict.limited) this.hits.inc({ bucket: verdict.global ? 'global' : verdict.bucket.name });
    return verdict;
  }

  private counterKey(bucket: ResolvedBucket, subject: string): string {
    return bucket.shared ? 'rl:' + bucket.hash : 'rl:' + bucket.hash + ':' + subject;
  }

  private resolvePolicy(name: string, policy: BucketPolicy | null): ResolvedBucket {
    return {
      name,
      hash: bucketHash(name),
      limit: policy === null ? 0 : Math.max(1, Math.floor(policy.limit * this.scale)),
      windowMs: policy === null ? 0 : policy.windowMs,
      shared: policy?.scope === 'shared',
      unlimited: policy === null,
      version: this.policies.version,
    };
  }
}

/** Route config `bucket`, else method and route pattern (HEAD shares GET's bucket). */
export function routeBucketName(config: RouteBucketSource): string {
  if (config.bucket !== undefined) return config.bucket;
  if (config.url === undefined) return 'unmatched';
  const method = Array.isArray(config.method) ? config.method.join(',') : (config.method ?? 'ANY');
  return (method === 'HEAD' ? 'GET' : method) + ' ' + config.url;
}
