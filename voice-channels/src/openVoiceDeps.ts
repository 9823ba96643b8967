import {
  createRedis,
  type Logger,
  RedisVoiceRegistry,
  redisReady,
  StaticVoiceRegistry,
} from '@driftway/common';
import type { Redis } from 'ioredis';
import type { ResolvedVoiceConfig } from './config.js';
import { createWeriftEngine } from './engine/WeriftEngine.js';
import { openNoiseSuppression, type PooledNoiseSuppression } from './noise/pooledNoiseSuppression.js';
import type { VoiceDeps } from './VoiceContext.js';

export interface OpenedVoiceDeps extends VoiceDeps {
  redis: Redis | null;
  noise: PooledNoiseSuppression | null;
  /** Closes what was opened here, in reverse order. */
  close(): Promise<void>;
}

/**
 * The real dependencies for a config: the werift engine, the DSP worker pool (unless DSP_WORKERS=0),
 * and the registry (Redis when REDIS_URL is set, else the one static instance of embedded mode).
 */
export async function openVoiceDeps(
  config: ResolvedVoiceConfig,
  logger: Logger,
  /** Benchmarks and tests on loaded machines tune the pool's shedding; production keeps its defaults. */
  poolOptions: Parameters<typeof openNoiseSuppression>[1] = {},
): Promise<OpenedVoiceDeps> {
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger, 'voice-channels') : null;
  const registry = redis
    ? new RedisVoiceRegistry(redis)
    : new StaticVoiceRegistry({
        id: config.instanceId,
        endpoint: config.publicUrl,
        internalUrl: config.internalUrl,
        load: 0,
        draining: false,
      });
  const { announcedIps, minPort, maxPort } = config.rtc;
  const announced = announcedIps.length > 0;
  const engine = createWeriftEngine({
    // With announced addresses the host's own may be anything (container, NAT), and packets for
    // each announced address must reach the one socket: listen on all.
    listenIp: announced ? '0.0.0.0' : config.host,
    ...(announced ? { announcedIps } : {}),
    ...(minPort !== null && maxPort !== null ? { portRange: { min: minPort, max: maxPort } } : {}),
    onListenerError: (err) => logger.error({ err }, 'media engine listener failed'),
  });
  let noise: PooledNoiseSuppression | null = null;
  try {
    if (redis) await connected(redis, logger);
    await engine.ready;
    noise =
      config.dspWorkers > 0
        ? await openNoiseSuppression(config.dspWorkers, {
            model: config.noiseSuppressionModel,
            ...poolOptions,
          })
        : null;
  } catch (err) {
    await engine.close();
    redis?.disconnect();
    throw err;
  }
  return {
    engine,
    registry,
    logger,
    noise,
    redis,
    async close() {
      await engine.close();
      await noise?.close();
      await registry.close();
      redis?.disconnect();
    },
  };
}

const REDIS_WAIT_MS = 3_000;

/**
 * Gives Redis a moment so the first heartbeat registers the instance at start. A Redis that does not
 * come up is reported and the instance starts anyway: it serves the channels it is sent, and joins
 * the registry as soon as Redis answers.
 */
async function connected(redis: Redis, logger: Logger): Promise<void> {
  if (redisReady(redis)) return;
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), REDIS_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ok) logger.error('Redis (REDIS_URL) is unreachable: not registered until it answers');
}
