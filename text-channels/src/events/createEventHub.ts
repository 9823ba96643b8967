import type { TextContext } from '../TextContext.js';
import type { EventHub } from './EventHub.js';
import { LocalEventHub } from './LocalEventHub.js';
import { RedisEventHub } from './RedisEventHub.js';

/**
 * BUS=local: the in-process hub (embedded mode, one instance). BUS=redis: the shared log and bus.
 * Chosen by configuration only: with BUS=redis and no Redis client there is no quiet fallback.
 * The app closes the hub itself (last, after the sessions that listen to it).
 */
export async function createEventHub(
  ctx: Omit<TextContext, 'events' | 'access' | 'voice'>,
): Promise<EventHub> {
  const { config } = ctx;
  if (config.bus.kind === 'local')
    return new LocalEventHub({
      logger: ctx.logger,
      metrics: ctx.metrics,
      maxLen: config.eventLogMaxLen,
      now: ctx.now,
    });
  if (!ctx.redis) throw new Error('invalid configuration: BUS=redis needs a Redis client');
  const hub = new RedisEventHub({
    redis: ctx.redis,
    logger: ctx.logger,
    metrics: ctx.metrics,
    maxLen: config.eventLogMaxLen,
    instanceId: config.instanceId,
    now: ctx.now,
  });
  await hub.start();
  return hub;
}
