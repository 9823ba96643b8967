import t, { type Test } from 'tap';
import type { SequencedEvent } from '../../src/events/EventHub.js';
import { LocalEventHub } from '../../src/events/LocalEventHub.js';
import { hubContext, messageEvent } from './hubTestContext.js';

function localHub(t: Test, maxLen = 100, now = Date.now) {
  const ctx = hubContext();
  const hub = new LocalEventHub({ logger: ctx.logger, metrics: ctx.metrics, maxLen, now });
  t.teardown(() => hub.close());
  return { hub, metrics: ctx.metrics };
}

t.test('subscribers receive every event synchronously in increasing g order', async (t) => {
  const { hub, metrics } = localHub(t);
  const a: SequencedEvent[] = [];
  const b: number[] = [];
  hub.subscribe((e) => a.push(e));
  hub.subscribe((e) => b.push(e.g));
  for (let i = 1; i <= 5; i++) await hub.publish(messageEvent('g1', i));
  t.same(
    a.map((e) => e.g),
    [1, 2, 3, 4, 5],
  );
  t.same(b, [1, 2, 3, 4, 5]);
  t.equal(a[2]?.event.d['id'], '3');
  t.equal(await hub.currentSequence(), 5);
  const text = await metrics.metrics();
  t.match(text, /events_published_total\{t="MESSAGE_CREATE"\} 5/);
  t.match(text, /events_delivered_total 10/);
});

t.test('an event published by a listener is delivered after the current one to every listener', async (t) => {
  const { hub } = localHub(t);
  const first: number[] = [];
  const second: number[] = [];
  hub.subscribe((e) => {
    first.push(e.g);
    if (e.g === 1) void hub.publish(messageEvent('g1', 2));
  });
  hub.subscribe((e) => second.push(e.g));
  await hub.publish(messageEvent('g1', 1));
  t.same(first, [1, 2]);
  t.same(second, [1, 2]);
});

t.test('a throwing listener does not stop delivery to the others', async (t) => {
  const { hub } = localHub(t);
  const got: number[] = [];
  hub.subscribe(() => {
    throw new Error('boom');
  });
  hub.subscribe((e) => got.push(e.g));
  await hub.publish(messageEvent('g1', 1));
  t.same(got, [1]);
});

t.test('unsubscribed listeners receive nothing more', async (t) => {
  const { hub } = localHub(t);
  const got: number[] = [];
  const off = hub.subscribe((e) => got.push(e.g));
  await hub.publish(messageEvent('g1', 1));
  off();
  await hub.publish(messageEvent('g1', 2));
  t.same(got, [1]);
});

t.test('readSince merges the guilds and the user log in g order', async (t) => {
  const { hub } = localHub(t);
  await hub.publish(messageEvent('g1', 1));
  await hub.publish(messageEvent('g2', 2));
  await hub.publish(messageEvent('g3', 3)); // not asked for
  await hub.publish({ t: 'GUILD_CREATE', guildId: 'g4', userIds: ['u1'], intent: null, d: {} });
  await hub.publish({ t: 'GUILD_CREATE', guildId: 'g4', userIds: ['u2'], intent: null, d: {} });
  await hub.publish({ t: 'MESSAGE_CREATE', guildId: null, userIds: ['u1', 'u2'], intent: null, d: {} });
  await hub.publish(messageEvent('g1', 7));
  const all = await hub.readSince(0, ['g1', 'g2'], 'u1');
  t.same(
    all?.map((e) => e.g),
    [1, 2, 4, 6, 7],
  );
  const later = await hub.readSince(4, ['g1', 'g2'], 'u1');
  t.same(
    later?.map((e) => e.g),
    [6, 7],
  );
  t.same(await hub.readSince(7, ['g1'], 'u1'), []);
  t.same(await hub.readSince(0, ['unknown'], 'nobody'), []);
});

t.test('readSince returns null exactly when an event after the position was trimmed', async (t) => {
  const { hub } = localHub(t, 3);
  for (let i = 1; i <= 5; i++) await hub.publish(messageEvent('g1', i));
  await hub.publish(messageEvent('g2', 6));
  // g1 keeps 3, 4, 5: 1 and 2 were dropped.
  t.equal(await hub.readSince(0, ['g1'], 'u'), null);
  t.equal(await hub.readSince(1, ['g1'], 'u'), null);
  t.same(
    (await hub.readSince(2, ['g1'], 'u'))?.map((e) => e.g),
    [3, 4, 5],
  );
  // A quiet guild is not affected by a busy one's trimming.
  t.same(
    (await hub.readSince(0, ['g2'], 'u'))?.map((e) => e.g),
    [6],
  );
  t.equal(await hub.readSince(0, ['g1', 'g2'], 'u'), null);
});

t.test('checkpoints round-trip as copies and expire after their ttl', async (t) => {
  let now = 1_000;
  const { hub } = localHub(t, 100, () => now);
  const checkpoint = {
    sessionId: 's1',
    userId: 'u1',
    kind: 'user' as const,
    credentialId: 'c1',
    intents: 513,
    seq: 7,
    g: 42,
    guildIds: ['g1'],
    updatedAt: 1_000,
  };
  await hub.saveCheckpoint(checkpoint, 500);
  checkpoint.guildIds.push('mutated');
  t.same(await hub.loadCheckpoint('s1'), { ...checkpoint, guildIds: ['g1'] });
  now = 1_499;
  t.ok(await hub.loadCheckpoint('s1'));
  now = 1_500;
  t.equal(await hub.loadCheckpoint('s1'), null);
  await hub.saveCheckpoint(checkpoint, 500);
  await hub.deleteCheckpoint('s1');
  t.equal(await hub.loadCheckpoint('s1'), null);
});

t.test('presence is aggregated over sessions: the most recent non-offline wins', async (t) => {
  let now = 1;
  const { hub } = localHub(t, 100, () => now);
  await hub.setPresence('i1', 's1', { userId: 'u1', status: 'online', activities: [] });
  now = 2;
  await hub.setPresence('i2', 's2', { userId: 'u1', status: 'dnd', activities: [{ name: 'x' }] });
  now = 3;
  await hub.setPresence('i1', 's3', { userId: 'u1', status: 'offline', activities: [] });
  await hub.setPresence('i1', 's4', { userId: 'u2', status: 'offline', activities: [] });
  const p = await hub.getPresences(['u1', 'u2', 'u3']);
  t.same(p.get('u1'), { userId: 'u1', status: 'dnd', activities: [{ name: 'x' }] });
  t.equal(p.get('u2')?.status, 'offline');
  t.notOk(p.has('u3'));
  await hub.setPresence('i2', 's2', null);
  t.equal((await hub.getPresences(['u1'])).get('u1')?.status, 'online');
  await hub.setPresence('i1', 's1', null);
  await hub.setPresence('i1', 's3', null);
  t.notOk((await hub.getPresences(['u1'])).has('u1'));
});

t.test('the local hub reports up and every method rejects after close', async (t) => {
  const { hub } = localHub(t);
  t.same(hub.health().status, 'up');
  await hub.close();
  await hub.close();
  await t.rejects(hub.publish(messageEvent('g1', 1)), { name: 'InvalidStateError', message: /publish/ });
  await t.rejects(hub.readSince(0, [], 'u'), { message: /readSince/ });
});
