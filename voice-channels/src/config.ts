import { isIPv4 } from 'node:net';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, loadOrCreateSecret, splitList } from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';
import type { RnnoiseModel } from './dsp/rnnoiseWasm.js';

const Bool = (fallback: boolean) => Type.Boolean({ default: fallback });

/** Every variable voice-channels reads, validated once at start-up. */
export const VoiceEnv = Type.Object({
  VOICE_HOST: Type.String({ default: '127.0.0.1' }),
  /** HTTP and the voice WebSocket (`/voice`) share this port. */
  VOICE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  /** The endpoint clients are sent to (VOICE_SERVER_UPDATE), announced in the registry. */
  VOICE_PUBLIC_URL: Type.String({ pattern: '^wss?://', default: 'ws://localhost:3003/voice' }),
  /** Where text-channels reaches this instance's /internal routes. */
  VOICE_INTERNAL_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3003' }),
  INSTANCE_ID: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$', default: 'voice-local' }),
  MODE: Type.Union([Type.Literal('embedded'), Type.Literal('production')], { default: 'embedded' }),
  DATA_DIR: Type.String({ default: './data' }),
  INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** Set: instances register in Redis. Unset: embedded, one static instance. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  TEXT_INTERNAL_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3001' }),
  /**
   * Comma-separated IPv4 addresses put in the ICE candidates when the host's own address is not
   * reachable (NAT, containers), the primary (public) one first; each is a host candidate on the
   * same port, e.g. the public address and the one coturn reaches on a container network.
   */
  VOICE_ANNOUNCED_IP: Type.Optional(Type.String({ minLength: 1 })),
  VOICE_RTC_MIN_PORT: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535 })),
  VOICE_RTC_MAX_PORT: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535 })),
  /** Comma-separated stun: URLs given to clients. */
  STUN_URLS: Type.Optional(Type.String()),
  /** Comma-separated turn:/turns: URLs given to clients with REST credentials. */
  TURN_URLS: Type.Optional(Type.String()),
  /** coturn's `static-auth-secret` (use-auth-secret). */
  TURN_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  TURN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600, default: 86_400 }),
  NOISE_SUPPRESSION_DEFAULT: Bool(true),
  /**
   * The RNNoise model: `rnnoise-0.1` (the 2017 model, SIMD build; about a third of the CPU) or
   * `rnnoise-0.2` (the 2024 model: removes more noise on its own, one more 10 ms of delay).
   */
  NOISE_SUPPRESSION_MODEL: Type.Union([Type.Literal('rnnoise-0.1'), Type.Literal('rnnoise-0.2')], {
    default: 'rnnoise-0.1',
  }),
  /** Noise-suppression worker threads; 0 turns server-side suppression off. */
  DSP_WORKERS: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
  /** Voice WebSocket heartbeat interval told to clients in HELLO. */
  VOICE_HEARTBEAT_INTERVAL_MS: Type.Integer({ minimum: 1000, maximum: 120_000, default: 13_750 }),
  /** How long a drain (SIGTERM) waits for clients to leave before closing them. */
  VOICE_DRAIN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 300_000, default: 10_000 }),
  VOICE_REGISTRY_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 }),
  VOICE_REGISTRY_TTL_MS: Type.Integer({ minimum: 300, maximum: 180_000, default: 6_000 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
});
export type VoiceEnv = Static<typeof VoiceEnv>;

export interface TurnConfig {
  urls: string[];
  /** Null until main.ts fills it (embedded mode: a secret file in DATA_DIR). */
  secret: string | null;
  ttlSeconds: number;
}

export interface VoiceConfig {
  host: string;
  port: number;
  publicUrl: string;
  internalUrl: string;
  instanceId: string;
  mode: 'embedded' | 'production';
  dataDir: string;
  /** Null until main.ts fills it (embedded mode: the secret file text-channels shares). */
  internalSecret: string | null;
  redisUrl: string | null;
  textInternalUrl: string;
  /** announcedIps: VOICE_ANNOUNCED_IP's addresses, the primary first; empty when unset. */
  rtc: { announcedIps: string[]; minPort: number | null; maxPort: number | null };
  stunUrls: string[];
  turn: TurnConfig | null;
  noiseSuppressionDefault: boolean;
  noiseSuppressionModel: RnnoiseModel;
  dspWorkers: number;
  heartbeatIntervalMs: number;
  drainTimeoutMs: number;
  registry: { heartbeatMs: number; ttlMs: number };
  logLevel: string;
}

export function parseVoiceConfig(env: Record<string, string | undefined> = process.env): VoiceConfig {
  const e = loadConfig(VoiceEnv, env);
  const fail = (variable: string, reason: string): never => {
    throw new ConfigError(variable, reason);
  };
  if (e.MODE === 'production' && !e.INTERNAL_SECRET)
    fail('INTERNAL_SECRET', 'is required when MODE=production');
  const turnUrls = splitList(e.TURN_URLS);
  for (const url of turnUrls) if (!/^turns?:/.test(url)) fail('TURN_URLS', `has a non-TURN URL (${url})`);
  const stunUrls = splitList(e.STUN_URLS);
  for (const url of stunUrls) if (!/^stuns?:/.test(url)) fail('STUN_URLS', `has a non-STUN URL (${url})`);
  if (turnUrls.length > 0 && e.MODE === 'production' && !e.TURN_SECRET)
    fail('TURN_SECRET', 'is required when TURN_URLS is set and MODE=production');
  const announcedIps = parseAnnouncedIps(e.VOICE_ANNOUNCED_IP, fail);
  const minPort = e.VOICE_RTC_MIN_PORT ?? null;
  const maxPort = e.VOICE_RTC_MAX_PORT ?? null;
  if ((minPort === null) !== (maxPort === null))
    fail(minPort === null ? 'VOICE_RTC_MIN_PORT' : 'VOICE_RTC_MAX_PORT', 'must be set with its pair');
  if (minPort !== null && maxPort !== null && minPort > maxPort)
    fail('VOICE_RTC_MAX_PORT', 'must not be below VOICE_RTC_MIN_PORT');
  if (e.VOICE_REGISTRY_TTL_MS <= e.VOICE_REGISTRY_HEARTBEAT_MS)
    fail('VOICE_REGISTRY_TTL_MS', 'must be longer than VOICE_REGISTRY_HEARTBEAT_MS');
  return {
    host: e.VOICE_HOST,
    port: e.VOICE_PORT,
    publicUrl: e.VOICE_PUBLIC_URL,
    internalUrl: e.VOICE_INTERNAL_URL,
    instanceId: e.INSTANCE_ID,
    mode: e.MODE,
    dataDir: e.DATA_DIR,
    internalSecret: e.INTERNAL_SECRET ?? null,
    redisUrl: e.REDIS_URL ?? null,
    textInternalUrl: e.TEXT_INTERNAL_URL,
    rtc: { announcedIps, minPort, maxPort },
    stunUrls,
    turn:
      turnUrls.length > 0
        ? { urls: turnUrls, secret: e.TURN_SECRET ?? null, ttlSeconds: e.TURN_TTL_SECONDS }
        : null,
    noiseSuppressionDefault: e.NOISE_SUPPRESSION_DEFAULT,
    noiseSuppressionModel: e.NOISE_SUPPRESSION_MODEL,
    dspWorkers: e.DSP_WORKERS ?? Math.max(1, availableParallelism() - 1),
    heartbeatIntervalMs: e.VOICE_HEARTBEAT_INTERVAL_MS,
    drainTimeoutMs: e.VOICE_DRAIN_TIMEOUT_MS,
    registry: { heartbeatMs: e.VOICE_REGISTRY_HEARTBEAT_MS, ttlMs: e.VOICE_REGISTRY_TTL_MS },
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * IPv4 literals only: the media sockets are IPv4, and a host name would be resolved once at start
 * and silently go stale. A bad entry would otherwise surface only as calls that never connect.
 */
function parseAnnouncedIps(
  value: string | undefined,
  fail: (variable: string, reason: string) => never,
): string[] {
  const ips = splitList(value);
  if (value !== undefined && ips.length === 0) fail('VOICE_ANNOUNCED_IP', 'lists no address');
  for (const ip of ips) {
    if (!isIPv4(ip)) fail('VOICE_ANNOUNCED_IP', `has an entry that is not an IPv4 address (${ip})`);
    if (ip === '0.0.0.0') fail('VOICE_ANNOUNCED_IP', 'lists 0.0.0.0, which no client can send to');
  }
  if (new Set(ips).size !== ips.length) fail('VOICE_ANNOUNCED_IP', 'lists an address twice');
  return ips;
}

/** A config whose secrets are all known: what buildVoice runs on. */
export type ResolvedVoiceConfig = Omit<VoiceConfig, 'internalSecret' | 'turn'> & {
  internalSecret: string;
  turn: (TurnConfig & { secret: string }) | null;
};

/**
 * Embedded mode: secrets not given come from files in DATA_DIR, created on first start. The
 * internal secret is the file text-channels reads too ('internal'), so the two services agree
 * without configuration; the TURN secret file ('turn') is what coturn's static-auth-secret needs.
 */
export function withEmbeddedSecrets(config: VoiceConfig): ResolvedVoiceConfig {
  return resolveSecrets(config, (name) => loadOrCreateSecret(config.dataDir, name));
}

/** Fails (naming the variable) when a secret is missing and `load` cannot supply it. */
export function resolveSecrets(
  config: VoiceConfig,
  load: (name: 'internal' | 'turn') => string = (name) => {
    throw new ConfigError(name === 'internal' ? 'INTERNAL_SECRET' : 'TURN_SECRET', 'is required');
  },
): ResolvedVoiceConfig {
  const internalSecret = config.internalSecret ?? load('internal');
  const turn = config.turn ? { ...config.turn, secret: config.turn.secret ?? load('turn') } : null;
  return { ...config, internalSecret, turn };
}
