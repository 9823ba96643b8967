import { createLogger, type VoiceGrant, VoiceTokenIssuer } from '@driftway/common';
import { freePort } from '@driftway/common/testing';
import { buildVoice, type VoiceApp } from '../../src/app.js';
import { parseVoiceConfig, type ResolvedVoiceConfig, resolveSecrets } from '../../src/config.js';
import { type OpenedVoiceDeps, openVoiceDeps } from '../../src/openVoiceDeps.js';
import type { EngineClientOptions } from './engineClient.js';
import { type Identity, VoiceClient } from './voiceClient.js';

export const INTERNAL_SECRET = 'voice-test-internal-secret-0123456789abcdef';
export const TURN_SECRET = 'voice-test-turn-secret-0123456789';
export const GUILD_ID = '100000000000000001';
export const CHANNEL_ID = '100000000000000002';

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

/** What engineIsEmpty asserts with: tap's `same`. */
interface SameLike {
  same(found: unknown, wanted: unknown, message: string): unknown;
}

/** Every engine object and every room is gone: nothing leaked. */
export function engineIsEmpty(t: SameLike, voice: Pick<VoiceHarness, 'deps' | 'app'>, rooms = true): void {
  t.same(
    voice.deps.engine.counts(),
    { routers: 0, transports: 0, producers: 0, consumers: 0, peerConnections: 0 },
    'no engine object left',
  );
  if (rooms) t.same(voice.app.ctx.rooms.counts(), { rooms: 0, participants: 0 }, 'no room left');
}

export interface VoiceHarness {
  app: VoiceApp;
  config: ResolvedVoiceConfig;
  deps: OpenedVoiceDeps;
  port: number;
  /** ws://127.0.0.1:port/voice */
  wsUrl: string;
  httpUrl: string;
  instanceId: string;
  /** A token from text-channels' issuer for this instance (override any grant field). */
  token(grant: Partial<VoiceGrant> & { userId: string }, options?: { ttlSeconds?: number }): Promise<string>;
  /** The full grant `token()` signs for these fields. */
  grant(grant: Partial<VoiceGrant> & { userId: string }): VoiceGrant;
  close(): Promise<void>;
}

export interface VoiceHarnessOptions {
  env?: Record<string, string>;
  redisUrl?: string;
  /** TEXT_INTERNAL_URL: a test server standing in for text-channels, or a closed port. */
  textUrl?: string;
  /**
   * DSP pool tuning: 'patient' never sheds frames for lateness, so a loaded test machine cannot
   * decide what a quality test measures (set DSP_WORKERS in env to turn the pool on).
   */
  dsp?: 'default' | 'patient';
}

/** What `userId` identifies with on the harness instance: a token for it, its session `session-<user>`. */
export async function identityOf(
  voice: Pick<VoiceHarness, 'token'>,
  userId: string,
  grant: Partial<VoiceGrant> = {},
): Promise<Identity> {
  const token = await voice.token({ ...grant, userId });
  return { token, userId, guildId: GUILD_ID, sessionId: `session-${userId}` };
}

/** `userId` on the voice WebSocket, identified, without media. */
export async function identifiedClient(voice: VoiceHarness, userId: string): Promise<VoiceClient> {
  const client = await VoiceClient.open(voice.wsUrl);
  await client.identify(await identityOf(voice, userId));
  return client;
}

/** `userId` joined with media (a werift client), its token carrying `grant`. */
export async function joinedClient(
  voice: VoiceHarness,
  userId: string,
  grant: Partial<VoiceGrant> = {},
  options: EngineClientOptions = {},
): Promise<VoiceClient> {
  return VoiceClient.join(voice.wsUrl, await identityOf(voice, userId, grant), options);
}

/** The voice state text-channels posts to VOICE_STATE_PATH for `userId` in the harness channel. */
export function voiceStateBody(userId: string, flags: Partial<Record<string, boolean>> = {}) {
  return {
    guild_id: GUILD_ID,
    channel_id: CHANNEL_ID,
    user_id: userId,
    session_id: `session-${userId}`,
    mute: false,
    deaf: false,
    self_mute: false,
    self_deaf: false,
    suppress: false,
    ...flags,
  };
}

/** A real voice-channels instance (werift engine, real registry) on a free port, closed at teardown. */
export async function startVoice(t: TestLike, options: VoiceHarnessOptions = {}): Promise<VoiceHarness> {
  const port = await freePort();
  const textUrl = options.textUrl ?? `http://127.0.0.1:${await freePort()}`;
  const env: Record<string, string> = {
    VOICE_HOST: '127.0.0.1',
    VOICE_PORT: String(port),
    VOICE_PUBLIC_URL: `ws://127.0.0.1:${port}/voice`,
    VOICE_INTERNAL_URL: `http://127.0.0.1:${port}`,
    INSTANCE_ID: `voice-test-${port}`,
    INTERNAL_SECRET,
    TEXT_INTERNAL_URL: textUrl,
    DATA_DIR: t.testdir(),
    DSP_WORKERS: '0',
    LOG_LEVEL: process.env['VOICE_TEST_LOG_LEVEL'] ?? 'silent',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const config = resolveSecrets(parseVoiceConfig(env));
  const logger = createLogger({ name: 'voice-channels', level: config.logLevel });
  const deps = await openVoiceDeps(
    config,
    logger,
    options.dsp === 'patient' ? { maxQueueMs: 120_000, maxInFlight: 100_000, staleMs: 120_000 } : {},
  );
  const app = await buildVoice(config, deps);
  await app.listen();
  const issuer = new VoiceTokenIssuer(INTERNAL_SECRET);
  const grant = (g: Partial<VoiceGrant> & { userId: string }): VoiceGrant => ({
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    instanceId: config.instanceId,
    sessionId: `session-${g.userId}`,
    ...g,
  });
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      await app.close();
      await deps.close();
    })();
    return closed;
  };
  t.teardown(close);
  return {
    app,
    config,
    deps,
    port,
    wsUrl: `ws://127.0.0.1:${port}/voice`,
    httpUrl: `http://127.0.0.1:${port}`,
    instanceId: config.instanceId,
    grant,
    token: (g, tokenOptions = {}) =>
      (tokenOptions.ttlSeconds === undefined
        ? issuer
        : new VoiceTokenIssuer(INTERNAL_SECRET, tokenOptions.ttlSeconds)
      ).issue(grant(g)),
    close,
  };
}
