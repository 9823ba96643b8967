import type { Logger, ReadinessCheck, SnowflakeGenerator, Storage } from '@driftway/common';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';
import type { ProxyRoute } from './proxy/routeTable.js';
import type { RateLimiter } from './ratelimit/RateLimiter.js';

/** What buildApp's parts share. Built once at the root; parts never reach for process.env. */
export interface GatewayContext {
  config: GatewayConfig;
  storage: Storage;
  /** Null in embedded mode (BUS=local). */
  redis: Redis | null;
  logger: Logger;
  metrics: Registry;
  snowflakes: SnowflakeGenerator;
  /** Parts push their /ready checks here. */
  readiness: ReadinessCheck[];
  /** Parts push cleanup here; run in reverse order when the app closes. */
  onClose: (() => Promise<void> | void)[];
  now: () => number;
  /** Route buckets are enforced by ratelimit/'s hook; handlers use it for extra keys (per account). */
  rateLimiter: RateLimiter;
}

export interface GatewayDeps {
  storage: Storage;
  redis: Redis | null;
  logger: Logger;
  /** Tests inject a clock; defaults to Date.now. */
  now?: () => number;
  /** Replaces the proxy's route table (tests and the benchmark add e.g. `auth: 'none'` routes). */
  routes?: readonly ProxyRoute[];
}
