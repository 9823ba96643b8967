import { loadConfig, splitList } from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';

/** Every variable the gateway reads, validated once at start-up. */
export const GatewayEnv = Type.Object({
  GATEWAY_HOST: Type.String({ default: '127.0.0.1' }),
  GATEWAY_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Where the gateway is reached by clients; the JWT issuer and the base of resume/voice URLs. */
  PUBLIC_URL: Type.String({ default: 'http://localhost:8080' }),
  DATA_DIR: Type.String({ default: './data' }),
  /** Snowflake worker id (0-31), unique among the gateway's instances in a deployment. */
  WORKER_ID: Type.Integer({ minimum: 0, maximum: 31, default: 0 }),
  /** `embedded`: generated secrets persisted under DATA_DIR are allowed. `production`: they must be given. */
  MODE: Type.Union([Type.Literal('embedded'), Type.Literal('production')], { default: 'embedded' }),

  STORAGE: Type.Union([Type.Literal('sqlite'), Type.Literal('mongo')], { default: 'sqlite' }),
  SQLITE_PATH: Type.String({ default: './data/driftway.db' }),
  MONGO_URL: Type.Optional(Type.String()),
  MONGO_DB: Type.String({ default: 'driftway' }),

  /** `local`: in-process bus and in-memory rate limits (one instance). `redis`: shared by all instances. */
  BUS: Type.Union([Type.Literal('local'), Type.Literal('redis')], { default: 'local' }),
  REDIS_URL: Type.Optional(Type.String()),

  JWT_ISSUER: Type.String({ default: 'driftway' }),
  JWT_AUDIENCE: Type.String({ default: 'driftway' }),
  /** JSON array of Ed25519 private JWKs with `kid`; the first signs, all verify (rotation). */
  JWT_PRIVATE_KEYS: Type.Optional(Type.String()),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 3600, default: 30 * 24 * 3600 }),
  /** HMAC key for the signed identity header; shared with text-channels and voice-channels. */
  INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),

  TEXT_UPSTREAMS: Type.String({ default: '' }),
  /**
   * text-channels' real-time listeners (uWebSockets.js, a port apart from REST), for WebSocket
   * upgrades on /gateway. Empty: upgrades go to TEXT_UPSTREAMS (one port serving both).
   */
  TEXT_GATEWAY_UPSTREAMS: Type.String({ default: '' }),
  VOICE_UPSTREAMS: Type.String({ default: '' }),
  /**
   * BUS=local only: text-channels' REST base URL, where each revocation (logout, bot key revoked…)
   * is also delivered, since without Redis nothing else carries it to text-channels' sessions.
   * Unset: revocations stay in this process.
   */
  TEXT_INTERNAL_URL: Type.Optional(Type.String()),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  UPSTREAM_HEALTH_INTERVAL_MS: Type.Integer({ minimum: 100, default: 2_000 }),
  BREAKER_ERROR_PERCENT: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  BREAKER_VOLUME_THRESHOLD: Type.Integer({ minimum: 1, default: 10 }),
  BREAKER_RESET_MS: Type.Integer({ minimum: 100, default: 5_000 }),

  /** Comma-separated addresses/CIDRs whose X-Forwarded-For is believed (Nginx). Empty: none. */
  TRUSTED_PROXIES: Type.String({ default: '' }),
  CORS_ORIGINS: Type.String({ default: '' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  /** Multiplies every rate-limit bucket's limit; benchmarks raise it, tests keep it at 1. */
  RATE_LIMIT_SCALE: Type.Number({ exclusiveMinimum: 0, default: 1 }),
});
export type GatewayEnv = Static<typeof GatewayEnv>;

export interface GatewayConfig {
  host: string;
  port: number;
  logLevel: string;
  publicUrl: string;
  dataDir: string;
  workerId: number;
  mode: 'embedded' | 'production';
  storage: { kind: 'sqlite'; path: string } | { kind: 'mongo'; url: string; dbName: string };
  bus: { kind: 'local' } | { kind: 'redis'; url: string };
  jwt: {
    issuer: string;
    audience: string;
    /** Parsed JWKs, or null to generate/persist (embedded only). */
    privateKeys: Record<string, unknown>[] | null;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  internalSecret: string | null;
  upstreams: { text: string[]; voice: string[] };
  /** Where /gateway upgrades go when they do not share the REST instances (empty: they do). */
  textGatewayUpstreams: string[];
  /** BUS=local: where revocations are delivered to text-channels (null: nowhere). */
  textInternalUrl: string | null;
  upstreamTimeoutMs: number;
  upstreamHealthIntervalMs: number;
  breaker: { errorPercent: number; volumeThreshold: number; resetMs: number };
  trustedProxies: string[];
  corsOrigins: string[];
  bodyLimitBytes: number;
  rateLimitScale: number;
}

export function parseGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = loadConfig(GatewayEnv, env);
  const fail = (variable: string, reason: string): never => {
    throw new Error(`invalid configuration: ${variable} ${reason}`);
  };
  let privateKeys: Record<string, unknown>[] | null = null;
  if (e.JWT_PRIVATE_KEYS) {
    try {
      const parsed: unknown = JSON.parse(e.JWT_PRIVATE_KEYS);
      if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('not a non-empty array');
      privateKeys = parsed as Record<string, unknown>[];
    } catch (err) {
      fail('JWT_PRIVATE_KEYS', `must be a JSON array of private JWKs (${(err as Error).message})`);
    }
  }
  if (e.STORAGE === 'mongo' && !e.MONGO_URL) fail('MONGO_URL', 'is required when STORAGE=mongo');
  if (e.BUS === 'redis' && !e.REDIS_URL) fail('REDIS_URL', 'is required when BUS=redis');
  if (e.MODE === 'production') {
    if (!privateKeys) fail('JWT_PRIVATE_KEYS', 'is required when MODE=production');
    if (!e.INTERNAL_SECRET) fail('INTERNAL_SECRET', 'is required when MODE=production');
  }
  const httpOrigin = (variable: string, u: string) => {
    try {
      const url = new URL(u);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      return url.origin;
    } catch {
      return fail(variable, `has a bad URL: ${u}`);
    }
  };
  const upstreamList = (variable: string, value: string) =>
    splitList(value).map((u) => httpOrigin(variable, u));
  // With Redis, text-channels hears revocations on the shared channel: a second path would only be
  // a leftover from an embedded set-up, so it is refused rather than silently ignored.
  if (e.TEXT_INTERNAL_URL && e.BUS === 'redis')
    fail('TEXT_INTERNAL_URL', 'is only used when BUS=local (with BUS=redis revocations travel over Redis)');
  return {
    host: e.GATEWAY_HOST,
    port: e.GATEWAY_PORT,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    dataDir: e.DATA_DIR,
    workerId: e.WORKER_ID,
    mode: e.MODE,
    storage:
      e.STORAGE === 'mongo'
        ? { kind: 'mongo', url: e.MONGO_URL as string, dbName: e.MONGO_DB }
        : { kind: 'sqlite', path: e.SQLITE_PATH },
    bus: e.BUS === 'redis' ? { kind: 'redis', url: e.REDIS_URL as string } : { kind: 'local' },
    jwt: {
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      privateKeys,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    },
    internalSecret: e.INTERNAL_SECRET ?? null,
    upstreams: {
      text: upstreamList('TEXT_UPSTREAMS', e.TEXT_UPSTREAMS),
      voice: upstreamList('VOICE_UPSTREAMS', e.VOICE_UPSTREAMS),
    },
    textGatewayUpstreams: upstreamList('TEXT_GATEWAY_UPSTREAMS', e.TEXT_GATEWAY_UPSTREAMS),
    textInternalUrl: e.TEXT_INTERNAL_URL ? httpOrigin('TEXT_INTERNAL_URL', e.TEXT_INTERNAL_URL) : null,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamHealthIntervalMs: e.UPSTREAM_HEALTH_INTERVAL_MS,
    breaker: {
      errorPercent: e.BREAKER_ERROR_PERCENT,
      volumeThreshold: e.BREAKER_VOLUME_THRESHOLD,
      resetMs: e.BREAKER_RESET_MS,
    },
    trustedProxies: splitList(e.TRUSTED_PROXIES),
    corsOrigins: splitList(e.CORS_ORIGINS),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    rateLimitScale: e.RATE_LIMIT_SCALE,
  };
}
