import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis client tuned for a service that must keep answering when Redis is down: commands
 * fail at once instead of queueing (so callers can fall back), and the client keeps reconnecting
 * in the background with a capped backoff. Connection state changes are logged once each.
 */
export function createRedis(url: string, logger: Logger, name = 'redis'): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // A Redis that stops answering without closing the socket must not stall callers forever:
    // a command that takes this long fails, and callers take their fallback path.
    commandTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
    connectionName: name,
  });
  let healthy = false;
  redis.on('ready', () => {
    if (!healthy) logger.info({ redis: name }, 'redis connected');
    healthy = true;
  });
  redis.on('error', (err: Error) => {
    // ioredis emits an error per failed reconnect attempt; log the transition, not every retry.
    if (healthy) logger.warn({ redis: name, err: { message: err.message } }, 'redis connection lost');
    healthy = false;
  });
  redis.on('end', () => {
    healthy = false;
  });
  return redis;
}

/** True when the client can run commands right now. */
export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}
