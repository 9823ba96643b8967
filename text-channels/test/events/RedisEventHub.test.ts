import { RedisServer, waitFor } from '@driftway/common/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import type { SequencedEvent } from '../../src/events/EventHub.js';
import { messageEvent } from './hubTestContext.js';
import { redisInstance } from './redisHubs.js';

const server = await RedisServer.start();
t.teardown(() => server.stop());

const ids = (events: SequencedEvent[]) => events.map((e) => e.event.d['id']);
const gs = (events: SequencedEvent[]) => events.map((e) => e.g);

function increasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as number));
}

// Each test starts from an empty Redis: no log, no counter.
t.beforeEach(async () => {
  const admin = new Redis(server.url);
  await admin.flushall();
  admin.disconnect();
});

t.test(
  'two instances see every event in the same g order, and publish resolves after local delivery',
  async (t) => {
    const a = await redisInstance(t, server, 'a');
    const b = await redisInstance(t, server, 'b');
    for (let i = 1; i <= 10; i++) {
      const on = i % 2 ? a : b;
      await on.hub.publish(messageEvent('g1', i));
      // The publishing instance's listeners already have it when publish resolves.
      t.equal(on.seen.at(-1)?.event.d['id'], String(i));
    }
    await waitFor(() => a.seen.length === 10 && b.seen.length === 10, { what: '10 events on both' });
    t.same(gs(a.seen), gs(b.seen));
    t.ok(increasing(gs(a.seen)));
    t.same(ids(a.seen), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    t.notOk(a.seen.some((e) => e.local));
    t.equal(await a.hub.currentSequence(), a.seen.at(-1)?.g);
    t.same(a.hub.health(), { status: 'up' });
    const text = await a.metrics.metrics();
    t.match(text, /events_published_total\{t="MESSAGE_CREATE"\} 5/);
    t.match(text, /events_delivered_total 10/);
    t.match(text, /event_hub_degraded 0/);
  },
);

t.test(
  'four concurrent publishers of 100 events each produce one total order seen identically by both instances',
  async (t) => {
    const a = await redisInstance(t, server, 'a');
    const b = await redisInstance(t, server, 'b');
    const publisher = async (hub: typeof a.hub, name: string) => {
      for (let i = 0; i < 100; i++) await hub.publish(messageEvent('g1', i, { d: { id: `${name}-${i}` } }));
    };
    await Promise.all([
      publisher(a.hub, 'p1'),
      publisher(a.hub, 'p2'),
      publisher(b.hub, 'p3'),
      publisher(b.hub, 'p4'),
    ]);
    await waitFor(() => a.seen.length === 400 && b.seen.length === 400, { what: '400 events on both' });
    t.same(gs(a.seen), gs(b.seen));
    t.same(ids(a.seen), ids(b.seen));
    t.ok(increasing(gs(a.seen)), 'g strictly increases');
    t.equal(new Set(ids(a.seen)).size, 400, 'no duplicates');
    // Each publisher's events keep their own order inside the total order.
    for (const name of ['p1', 'p2', 'p3', 'p4']) {
      const mine = ids(a.seen).filter((id) => String(id).startsWith(`${name}-`));
      t.same(
        mine,
        Array.from({ length: 100 }, (_, i) => `${name}-${i}`),
      );
    }
  },
);

t.test('readSince merges the guilds and the user streams in g order from any instance', async (t) => {
  const a = await redisInstance(t, server, 'a');
  const b = await redisInstance(t, server, 'b');
  const start = await a.hub.currentSequence();
  await a.hub.publish(messageEvent('g1', 1));
  await b.hub.publish(messageEvent('g2', 2));
  await a.hub.publish(messageEvent('g3', 3));
  await b.hub.publish({ t: 'GUILD_CREATE', guildId: 'g4', userIds: ['u1'], intent: null, d: { id: '4' } });
  await a.hub.publish({ t: 'GUILD_CREATE', guildId: 'g4', userIds: ['u2'], intent: null, d: { id: '5' } });
  await b.hub.publish({
    t: 'MESSAGE_CREATE',
    guildId: null,
    userIds: ['u1', 'u2'],
    intent: null,
    d: { id: '6' },
  });
  await a.hub.publish(messageEvent('g1', 7));
  await waitFor(() => b.seen.length === 7, { what: '7 events on b' });
  const all = await b.hub.readSince(start, ['g1', 'g2'], 'u1');
  t.same(all && ids(all), ['1', '2', '4', '6', '7']);
  t.same(
    all && gs(all),
    gs(b.seen.filter((e) => ['1', '2', '4', '6', '7'].includes(e.event.d['id'] as string))),
  );
  t.same(all?.[0]?.event, messageEvent('g1', 1));
  const fourth = b.seen[3]?.g as number;
  const later = await a.hub.readSince(fourth, ['g1', 'g2'], 'u1');
  t.same(later && ids(later), ['6', '7']);
  t.same(await a.hub.readSince(b.seen[6]?.g as number, ['g1'], 'u1'), []);
  t.same(await a.hub.readSince(start, ['never'], 'nobody'), []);
  t.equal(
    await a.hub.readSince(start - 1, ['g1'], 'u1'),
    null,
    'positions before the log origin are unknown',
  );
});

t.test('readSince returns null exactly when an event after the position was trimmed', async (t) => {
  const a = await redisInstance(t, server, 'a', { maxLen: 100 });
  for (let i = 0; i < 350; i++) {
    await a.hub.publish(messageEvent('g1', i));
    await a.hub.publish(messageEvent('g2', i));
  }
  const g1 = gs(a.seen.filter((e) => e.event.guildId === 'g1'));
  const [first] = await a.redis.xrange('dw:ev:g:g1', '-', '+', 'COUNT', 1);
  const k = g1.indexOf(Number.parseInt(first?.[0] ?? '', 10));
  t.ok(k > 0, `g1 was trimmed (first retained is #${k})`);
  const before = g1[k - 1] as number;
  // From the last trimmed event on, everything is still there.
  const replay = await a.hub.readSince(before, ['g1'], 'u');
  t.same(replay && gs(replay), g1.slice(k));
  t.same(gs((await a.hub.readSince(before + 1, ['g1'], 'u')) ?? []), g1.slice(k));
  // One position earlier (g2's event in between, or g1's previous one), the trimmed event is missing.
  t.equal(await a.hub.readSince(before - 1, ['g1'], 'u'), null);
  t.equal(await a.hub.readSince(g1[k - 2] as number, ['g1'], 'u'), null);
  t.equal(await a.hub.readSince(g1[0] as number, ['g1'], 'u'), null);
  // A quiet guild next to a busy one keeps its whole history.
  const quiet = await a.hub.currentSequence();
  await a.hub.publish(messageEvent('g3', 0));
  t.same((await a.hub.readSince(quiet, ['g3'], 'u'))?.length, 1);
  t.equal(await a.hub.readSince(quiet - 1000, ['g3', 'g1'], 'u'), null);
});

t.test('checkpoints round-trip across instances and expire after their ttl', async (t) => {
  const a = await redisInstance(t, server, 'a');
  const b = await redisInstance(t, server, 'b');
  const checkpoint = {
    sessionId: 's1',
    userId: 'u1',
    kind: 'bot' as const,
    credentialId: null,
    intents: 513,
    seq: 7,
    g: 42,
    guildIds: ['g1', 'g2'],
    updatedAt: 1_000,
  };
  await a.hub.saveCheckpoint(checkpoint, 60_000);
  t.same(await b.hub.loadCheckpoint('s1'), checkpoint);
  await b.hub.deleteCheckpoint('s1');
  t.equal(await a.hub.loadCheckpoint('s1'), null);
  await a.hub.saveCheckpoint({ ...checkpoint, sessionId: 's2' }, 150);
  t.ok(await b.hub.loadCheckpoint('s2'));
  await waitFor(async () => (await b.hub.loadCheckpoint('s2')) === null, { what: 'checkpoint expiry' });
  t.equal(await b.hub.loadCheckpoint('missing'), null);
});

t.test('presence is aggregated across instances and a silent instance’s presences expire', async (t) => {
  let now = 1_000;
  const clock = () => now;
  const a = await redisInstance(t, server, 'a', { now: clock, presenceTtlMs: 400, presenceRefreshMs: 50 });
  const b = await redisInstance(t, server, 'b', { now: clock, presenceTtlMs: 400, presenceRefreshMs: 50 });
  await a.hub.setPresence('a', 'sa1', { userId: 'u1', status: 'online', activities: [] });
  now = 2_000;
  await b.hub.setPresence('b', 'sb1', {
    userId: 'u1',
    status: 'dnd',
    activities: [{ name: 'chess', type: 0 }],
  });
  await b.hub.setPresence('b', 'sb2', { userId: 'u2', status: 'idle', activities: [] });
  await b.hub.setPresence('b', 'sb3', { userId: 'u3', status: 'offline', activities: [] });
  for (const reader of [a, b]) {
    const p = await reader.hub.getPresences(['u1', 'u2', 'u3', 'u4']);
    t.same(p.get('u1'), { userId: 'u1', status: 'dnd', activities: [{ name: 'chess', type: 0 }] });
    t.equal(p.get('u2')?.status, 'idle');
    t.equal(p.get('u3')?.status, 'offline');
    t.notOk(p.has('u4'));
  }
  // b stops refreshing (its connection is gone, as when the process dies): its users fade out.
  b.redis.disconnect();
  await waitFor(async () => !(await a.hub.getPresences(['u2'])).has('u2'), {
    what: "b's presences to expire",
  });
  const p = await a.hub.getPresences(['u1', 'u2']);
  t.same(p.get('u1')?.status, 'online');
  // a's own sessions: removing the last one removes the user.
  await a.hub.setPresence('a', 'sa1', null);
  t.notOk((await a.hub.getPresences(['u1'])).has('u1'));
});

t.test('a closed instance removes its presences at once', async (t) => {
  const a = await redisInstance(t, server, 'a');
  const b = await redisInstance(t, server, 'b');
  await b.hub.setPresence('b', 's', { userId: 'u9', status: 'online', activities: [] });
  t.ok((await a.hub.getPresences(['u9'])).has('u9'));
  await b.hub.close();
  t.notOk((await a.hub.getPresences(['u9'])).has('u9'));
});

t.test(
  'an instance whose subscription dropped catches up from the log in order, without a gap',
  async (t) => {
    const a = await redisInstance(t, server, 'a');
    const b = await redisInstance(t, server, 'b');
    await a.hub.publish(messageEvent('g1', 0));
    await waitFor(() => b.seen.length === 1, { what: 'first event on b' });
    const list = (await a.redis.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes('name=text-events:b '));
    const id = /id=(\d+)/.exec(line ?? '')?.[1];
    t.ok(id, "found b's subscriber connection");
    await a.redis.client('KILL', 'ID', id as string);
    // b reconnects after a back-off; these land while it is away.
    for (let i = 1; i <= 50; i++) await a.hub.publish(messageEvent('g1', i));
    await waitFor(() => b.seen.length === 51, { what: '51 events on b', timeoutMs: 10_000 });
    t.same(gs(b.seen), gs(a.seen));
    t.same(b.gaps, []);
    await waitFor(() => b.hub.health().status === 'up', { what: 'b up' });
  },
);

t.test(
  'with redis killed, publish still resolves and delivers locally; after a restart delivery is shared again',
  async (t) => {
    const a = await redisInstance(t, server, 'a');
    const b = await redisInstance(t, server, 'b');
    await a.hub.publish(messageEvent('g1', 0));
    await waitFor(() => b.seen.length === 1, { what: 'first event on b' });
    const lastG = a.seen[0]?.g as number;

    await server.kill();
    await waitFor(() => a.hub.health().status === 'degraded', { what: 'a degraded' });
    await a.hub.publish(messageEvent('g1', 1));
    t.match(a.seen.at(-1), { g: lastG, local: true, event: { d: { id: '1' } } });
    t.equal(await a.hub.readSince(lastG, ['g1'], 'u'), null, 'no replay while degraded');
    await a.hub.saveCheckpoint(
      {
        sessionId: 's',
        userId: 'u',
        kind: 'user',
        credentialId: null,
        intents: 0,
        seq: 0,
        g: 0,
        guildIds: [],
        updatedAt: 0,
      },
      1000,
    );
    t.equal(await a.hub.loadCheckpoint('s'), null);
    t.match(a.hub.health(), { status: 'degraded', detail: /redis/ });
    t.match(await a.metrics.metrics(), /event_hub_degraded 1/);
    t.equal(b.seen.length, 1, 'b did not get the local-only event');

    await server.restart();
    await waitFor(() => a.hub.health().status === 'up' && b.hub.health().status === 'up', {
      what: 'both up again',
      timeoutMs: 10_000,
    });
    // Redis came back empty: both are told their listeners may have missed events…
    t.match(a.gaps, [{ guildIds: null, reason: 'log-lost' }]);
    // …and b is told which sessions missed what a delivered locally only.
    await waitFor(() => b.gaps.some((g) => g.reason === 'peer-degraded'), {
      what: "b told of a's local events",
    });
    t.match(b.gaps, [
      { guildIds: null, reason: 'log-lost' },
      { guildIds: ['g1'], userIds: [], reason: 'peer-degraded' },
    ]);
    t.notOk(
      a.gaps.some((g) => g.reason === 'peer-degraded'),
      'a is not told about its own local events',
    );
    // A session that was in g1 before the outage cannot be resumed exactly.
    t.equal(await b.hub.readSince(lastG, ['g1'], 'u'), null);

    await a.hub.publish(messageEvent('g1', 2));
    await waitFor(() => b.seen.some((e) => e.event.d['id'] === '2'), {
      what: 'cross-instance delivery again',
    });
    const delivered = b.seen.at(-1) as SequencedEvent;
    t.notOk(delivered.local);
    t.ok(delivered.g > lastG, 'g keeps increasing across the loss of the log');
    t.same(a.seen.at(-1), delivered);
    t.match(await a.metrics.metrics(), /event_hub_degraded 0/);
  },
);
