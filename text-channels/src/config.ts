import { loadConfig } from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';

/** Every variable text-channels reads, validated once at start-up. */
export const TextEnv = Type.Object({
  TEXT_HOST: Type.String({ default: '127.0.0.1' }),
  /** REST (Fastify): routed here by the gateway's TEXT_UPSTREAMS. */
  TEXT_HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  /** Real-time gateway (uWebSockets.js): the gateway's TEXT_GATEWAY_UPSTREAMS. */
  TEXT_WS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  MODE: Type.Union([Type.Literal('embedded'), Type.Literal('production')], { default: 'embedded' }),
  DATA_DIR: Type.String({ default: './data' }),
  /** Distinguishes instances (sessions, presence); defaults to host:pid. */
  INSTANCE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' })),
  /** Snowflake worker id (0-31), unique per instance in a deployment. */
  WORKER_ID: Type.Integer({ minimum: 0, maximum: 31, default: 1 }),

  STORAGE: Type.Union([Type.Literal('sqlite'), Type.Literal('mongo')], { default: 'sqlite' }),
  /** The accounts database the gateway writes (users, bot tokens): read here for profiles and IDENTIFY. */
  SQLITE_PATH: Type.String({ default: './data/driftway.db' }),
  /** The text domain's own SQLite file (guilds, channels, messages…). */
  TEXT_SQLITE_PATH: Type.String({ default: './data/text.db' }),
  MONGO_URL: Type.Optional(Type.String()),
  MONGO_DB: Type.String({ default: 'driftway' }),

  BUS: Type.Union([Type.Literal('local'), Type.Literal('redis')], { default: 'local' }),
  REDIS_URL: Type.Optional(Type.String()),
  /** Events kept per guild for RESUME (Redis Streams MAXLEN, approximate). */
  EVENT_LOG_MAXLEN: Type.Integer({ minimum: 100, default: 10_000 }),

  INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Where the gateway publishes its signing keys. */
  JWKS_URL: Type.String({ default: 'http://127.0.0.1:8080/.well-known/jwks.json' }),
  JWT_ISSUER: Type.String({ default: 'driftway' }),
  JWT_AUDIENCE: Type.String({ default: 'driftway' }),
  /**
   * The gateway's access-token lifetime (same name, bounds and default there; set both alike).
   * BUS=local: session revocations this recent are reloaded from the accounts database at start-up.
   */
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 900 }),
  /** What clients are told to connect to (READY resume_gateway_url, GET /gateway). */
  PUBLIC_GATEWAY_URL: Type.String({ default: 'ws://localhost:8080/gateway' }),
  HEARTBEAT_INTERVAL_MS: Type.Integer({ minimum: 1000, default: 41_250 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),

  /** BUS=local (no Redis registry): the one voice-channels instance every voice channel lives on. */
  VOICE_INSTANCE_ID: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$', default: 'voice-local' }),
  /** What clients connect to (VOICE_SERVER_UPDATE `endpoint`) when BUS=local. */
  VOICE_ENDPOINT: Type.String({ minLength: 1, default: 'ws://localhost:3003/voice' }),
  /** Where text-channels calls that instance (server mute, disconnect) when BUS=local. */
  VOICE_INTERNAL_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3003' }),
  /** Lifetime of the token in VOICE_SERVER_UPDATE: the client must open the voice socket within it. */
  VOICE_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 3600, default: 120 }),
  /** How often voice states of dead voice instances and of sessions gone for good are expired. */
  VOICE_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** How long a voice state outlives its gateway session's connection while the session may resume. */
  VOICE_RESUME_GRACE_MS: Type.Integer({ minimum: 0, default: 60_000 }),
});
export type TextEnv = Static<typeof TextEnv>;

export interface TextConfig {
  host: string;
  httpPort: number;
  wsPort: number;
  logLevel: string;
  mode: 'embedded' | 'production';
  dataDir: string;
  instanceId: string;
  workerId: number;
  storage:
    | { kind: 'sqlite'; accountsPath: string; textPath: string }
    | { kind: 'mongo'; url: string; dbName: string };
  bus: { kind: 'local' } | { kind: 'redis'; url: string };
  eventLogMaxLen: number;
  internalSecret: string | null;
  jwt: { jwksUrl: string; issuer: string; audience: string; accessTtlSeconds: number };
  publicGatewayUrl: string;
  heartbeatIntervalMs: number;
  bodyLimitBytes: number;
  voice: {
    /** The static instance (BUS=local); BUS=redis uses the Redis voice registry instead. */
    instance: { id: string; endpoint: string; internalUrl: string };
    tokenTtlSeconds: number;
    sweepIntervalMs: number;
    resumeGraceMs: number;
  };
}

export function parseTextConfig(env: Record<string, string | undefined> = process.env): TextConfig {
  const e = loadConfig(TextEnv, env);
  const fail = (variable: string, reason: string): never => {
    throw new Error(`invalid configuration: ${variable} ${reason}`);
  };
  if (e.STORAGE === 'mongo' && !e.MONGO_URL) fail('MONGO_URL', 'is required when STORAGE=mongo');
  if (e.BUS === 'redis' && !e.REDIS_URL) fail('REDIS_URL', 'is required when BUS=redis');
  if (e.MODE === 'production' && !e.INTERNAL_SECRET)
    fail('INTERNAL_SECRET', 'is required when MODE=production');
  return {
    host: e.TEXT_HOST,
    httpPort: e.TEXT_HTTP_PORT,
    wsPort: e.TEXT_WS_PORT,
    logLevel: e.LOG_LEVEL,
    mode: e.MODE,
    dataDir: e.DATA_DIR,
    instanceId: e.INSTANCE_ID ?? `${process.env['HOSTNAME'] ?? 'text'}:${process.pid}`,
    workerId: e.WORKER_ID,
    storage:
      e.STORAGE === 'mongo'
        ? { kind: 'mongo', url: e.MONGO_URL as string, dbName: e.MONGO_DB }
        : { kind: 'sqlite', accountsPath: e.SQLITE_PATH, textPath: e.TEXT_SQLITE_PATH },
    bus: e.BUS === 'redis' ? { kind: 'redis', url: e.REDIS_URL as string } : { kind: 'local' },
    eventLogMaxLen: e.EVENT_LOG_MAXLEN,
    internalSecret: e.INTERNAL_SECRET ?? null,
    jwt: {
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    },
    publicGatewayUrl: e.PUBLIC_GATEWAY_URL,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    voice: {
      instance: { id: e.VOICE_INSTANCE_ID, endpoint: e.VOICE_ENDPOINT, internalUrl: e.VOICE_INTERNAL_URL },
      tokenTtlSeconds: e.VOICE_TOKEN_TTL_SECONDS,
      sweepIntervalMs: e.VOICE_SWEEP_INTERVAL_MS,
      resumeGraceMs: e.VOICE_RESUME_GRACE_MS,
    },
  };
}
