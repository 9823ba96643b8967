import { createRedis } from '@driftway/common';
import { type RedisServer, waitFor } from '@driftway/common/testing';
import type { Test } from 'tap';
import type { EventGap, SequencedEvent } from '../../src/events/EventHub.js';
import { RedisEventHub, type RedisEventHubOptions } from '../../src/events/RedisEventHub.js';
import { hubContext } from './hubTestContext.js';

export interface TestInstance {
  hub: RedisEventHub;
  redis: ReturnType<typeof createRedis>;
  metrics: ReturnType<typeof hubContext>['metrics'];
  /** Everything delivered to a listener subscribed at start. */
  seen: SequencedEvent[];
  gaps: EventGap[];
}

/** One "instance": its own ioredis client (as main.ts makes it) and its own hub over the shared server. */
export async function redisInstance(
  t: Test,
  server: RedisServer,
  instanceId: string,
  options: Partial<RedisEventHubOptions> = {},
): Promise<TestInstance> {
  const ctx = hubContext({ BUS: 'redis', REDIS_URL: server.url, INSTANCE_ID: instanceId });
  const redis = createRedis(server.url, ctx.logger, instanceId);
  await waitFor(() => redis.status === 'ready', { what: 'redis ready', timeoutMs: 10_000 });
  const hub = new RedisEventHub({
    redis,
    logger: ctx.logger,
    metrics: ctx.metrics,
    maxLen: ctx.config.eventLogMaxLen,
    instanceId,
    retryMs: 50,
    ...options,
  });
  t.teardown(async () => {
    await hub.close();
    redis.disconnect();
  });
  await hub.start();
  const seen: SequencedEvent[] = [];
  const gaps: EventGap[] = [];
  hub.subscribe((e) => seen.push(e));
  hub.onGap((gap) => gaps.push(gap));
  return { hub, redis, metrics: ctx.metrics, seen, gaps };
}
