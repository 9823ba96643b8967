import { Redis } from 'ioredis';
import t from 'tap';
import { RedisRevocationChannel } from '../../src/auth/revocation/RedisRevocationChannel.js';
import {
  REVOCATION_CHANNEL,
  REVOKED_SESSIONS_KEY,
  type RevocationEvent,
  type RevokedSession,
} from '../../src/auth/revocation/RevocationEvent.js';
import { createLogger } from '../../src/log/createLogger.js';
import { createRedis } from '../../src/redis/createRedis.js';
import { RedisServer, waitFor } from '../../src/testing/index.js';

const logger = createLogger({ name: 'test', level: 'silent' });

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Recorder {
  events: RevocationEvent[];
  resyncs: RevokedSession[][];
}

async function startChannel(t: Teardown, server: RedisServer) {
  const redis = createRedis(server.url, logger);
  t.teardown(() => redis.disconnect());
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  const ch = new RedisRevocationChannel({ redis, logger });
  t.teardown(() => ch.close());
  const seen: Recorder = { events: [], resyncs: [] };
  await ch.start({ onEvent: (e) => seen.events.push(e), onResync: (s) => seen.resyncs.push(s) });
  return { ch, seen, redis };
}

t.test('events published by one instance reach the others and itself', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.stop());
  const a = await startChannel(t, server);
  const b = await startChannel(t, server);
  t.equal(b.ch.isConnected(), true);
  await a.ch.publish({ type: 'bot_token', tokenId: 't1' });
  await a.ch.publish({ type: 'session', sessionId: 's1', until: Date.now() + 60_000 });
  await waitFor(() => b.seen.events.length === 2, { what: 'b to hear both' });
  t.match(b.seen.events, [
    { type: 'bot_token', tokenId: 't1' },
    { type: 'session', sessionId: 's1' },
  ]);
  await waitFor(() => a.seen.events.length === 2, { what: 'a to hear its own' });
});

t.test('session revocations are kept in Redis for instances that were not listening', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.stop());
  const a = await startChannel(t, server);
  const until = Date.now() + 60_000;
  await a.ch.publish({ type: 'session', sessionId: 'kept', until });
  await a.redis.zadd(REVOKED_SESSIONS_KEY, Date.now() - 1, 'expired');
  await a.ch.publish({ type: 'session', sessionId: 'second', until });
  t.equal(await a.redis.zscore(REVOKED_SESSIONS_KEY, 'expired'), null, 'entries past their time are pruned');

  const late = await startChannel(t, server);
  t.same(
    late.seen.resyncs[0]?.map((s) => s.sessionId).sort(),
    ['kept', 'second'],
    'a new instance reads the revocations still in force',
  );
  t.equal(late.seen.resyncs[0]?.[0]?.until, until);
});

t.test('a malformed message is ignored and the channel keeps working', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.stop());
  const a = await startChannel(t, server);
  const raw = new Redis(server.url);
  t.teardown(() => raw.disconnect());
  await raw.publish(REVOCATION_CHANNEL, 'not json');
  await raw.publish(REVOCATION_CHANNEL, JSON.stringify({ type: 'bot_token', tokenId: 'after' }));
  await waitFor(() => a.seen.events.length > 0, { what: 'the good message' });
  t.same(a.seen.events, [{ type: 'bot_token', tokenId: 'after' }]);
});

t.test('after Redis comes back the channel resubscribes and resyncs', async (t) => {
  const server = await RedisServer.start();
  t.teardown(() => server.stop());
  const a = await startChannel(t, server);
  const b = await startChannel(t, server);
  await server.kill();
  await waitFor(() => !b.ch.isConnected(), { what: 'b to notice' });
  await t.rejects(
    a.ch.publish({ type: 'bot_token', tokenId: 'lost' }),
    'publishing without Redis fails loudly',
  );
  await server.restart();
  await waitFor(() => b.seen.resyncs.length === 2 && b.ch.isConnected(), {
    timeoutMs: 10_000,
    what: 'b to resync',
  });
  await waitFor(() => a.redis.status === 'ready', { timeoutMs: 10_000, what: 'a command connection' });
  await a.ch.publish({ type: 'bot_token', tokenId: 'after-restart' });
  await waitFor(() => b.seen.events.some((e) => e.type === 'bot_token' && e.tokenId === 'after-restart'), {
    what: 'b to hear it',
  });
  t.pass('events flow again');
});

t.test('start() does not hang when Redis is unreachable, and close() is idempotent', async (t) => {
  const server = await RedisServer.start();
  const redis = createRedis(server.url, logger);
  t.teardown(() => redis.disconnect());
  await waitFor(() => redis.status === 'ready', { what: 'redis ready' });
  await server.kill();
  const ch = new RedisRevocationChannel({ redis, logger, startTimeoutMs: 200 });
  await ch.start({ onEvent: () => {}, onResync: () => {} });
  t.equal(ch.isConnected(), false);
  await ch.close();
  await ch.close();
});
