import t from 'tap';
import { MemoryWindowStore } from '../../src/ratelimit/MemoryWindowStore.js';

t.test('a window opens at the first hit and counts until it closes', async (t) => {
  const store = new MemoryWindowStore();
  const first = store.hit('k', 1_000, 5_000);
  t.same({ count: first.count, resetAt: first.resetAt }, { count: 1, resetAt: 6_000 });
  store.hit('k', 1_000, 5_400);
  const third = store.hit('k', 1_000, 5_999);
  t.same({ count: third.count, resetAt: third.resetAt }, { count: 3, resetAt: 6_000 });
});

t.test('the first hit at or after the reset time opens a new window', async (t) => {
  const store = new MemoryWindowStore();
  store.hit('k', 1_000, 0);
  store.hit('k', 1_000, 10);
  const next = store.hit('k', 1_000, 1_000);
  t.same({ count: next.count, resetAt: next.resetAt }, { count: 1, resetAt: 2_000 });
});

t.test('keys count independently', async (t) => {
  const store = new MemoryWindowStore();
  store.hit('a', 1_000, 0);
  store.hit('a', 1_000, 0);
  t.equal(store.hit('b', 1_000, 0).count, 1);
  t.equal(store.hit('a', 1_000, 0).count, 3);
});

t.test('expired windows are swept on a later insert', async (t) => {
  const store = new MemoryWindowStore(100, 50);
  store.hit('old', 10, 0);
  store.hit('live', 10_000, 0);
  t.equal(store.size, 2);
  store.hit('new', 10, 100);
  t.equal(store.size, 2, 'old was dropped, live and new remain');
  t.equal(store.hit('live', 10_000, 100).count, 2);
});

t.test('when full of live windows the oldest key is forgotten, never more than the cap', async (t) => {
  const store = new MemoryWindowStore(3, 1_000_000);
  for (const key of ['a', 'b', 'c', 'd', 'e']) store.hit(key, 60_000, 0);
  t.equal(store.size, 3);
  t.equal(store.hit('e', 60_000, 0).count, 2, 'the newest key kept its count');
  t.equal(store.hit('a', 60_000, 0).count, 1, 'the oldest key started over');
});
