import t from 'tap';
import { LruCache } from '../../src/auth/LruCache.js';

t.test('a read makes an entry young again, so the oldest unread one is evicted', async (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  t.equal(cache.get('a'), 1);
  cache.set('c', 3);
  t.equal(cache.get('b'), undefined, 'b was the least recently used');
  t.equal(cache.get('a'), 1);
  t.equal(cache.get('c'), 3);
  t.equal(cache.size, 2);
});

t.test('overwriting a key does not grow the cache; delete and clear forget', async (t) => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('a', 2);
  t.equal(cache.size, 1);
  t.equal(cache.get('a'), 2);
  t.equal(cache.delete('a'), true);
  t.equal(cache.get('a'), undefined);
  cache.set('b', 1);
  cache.clear();
  t.equal(cache.size, 0);
  t.throws(() => new LruCache(0), RangeError);
});
