import { createRedis } from '@driftway/common';
import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { createEventHub } from '../../src/events/createEventHub.js';
import { LocalEventHub } from '../../src/events/LocalEventHub.js';
import { RedisEventHub } from '../../src/events/RedisEventHub.js';
import type { TextContext } from '../../src/TextContext.js';
import { hubContext } from './hubTestContext.js';

type HubCtx = Parameters<typeof createEventHub>[0];

function ctxFor(env: Record<string, string>, redis: HubCtx['redis']): HubCtx {
  const base = hubContext(env);
  // Only what the hub reads is real; the rest is never touched by createEventHub.
  return { ...base, redis, now: Date.now } as unknown as Omit<TextContext, 'events' | 'access'>;
}

t.test('BUS=local gives the in-process hub', async (t) => {
  const hub = await createEventHub(ctxFor({}, null));
  t.teardown(() => hub.close());
  t.type(hub, LocalEventHub);
  t.same(hub.health(), { status: 'up', detail: 'in-process' });
});

t.test('BUS=redis gives the redis hub, synced before it is returned', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.stop());
  const env = { BUS: 'redis', REDIS_URL: server.url };
  const redis = createRedis(server.url, hubContext().logger);
  t.teardown(() => redis.disconnect());
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  const hub = await createEventHub(ctxFor(env, redis));
  t.teardown(() => hub.close());
  t.type(hub, RedisEventHub);
  t.same(hub.health(), { status: 'up' });
});

t.test('BUS=redis without a client is refused instead of quietly running in-process', async (t) => {
  await t.rejects(createEventHub(ctxFor({ BUS: 'redis', REDIS_URL: 'redis://127.0.0.1:1' }, null)), {
    message: /BUS=redis/,
  });
});
