import t from 'tap';
import { EMPTY_VIEW_SET, ViewInterner } from '../../src/realtime/GuildViews.js';

t.test('sessions with the same views share one view set, and a change makes another', async (t) => {
  const interner = new ViewInterner();
  const a1 = interner.acquireWith(EMPTY_VIEW_SET, 'g1', interner.acquire('g1', ['c2', 'c1']));
  const b1 = interner.acquireWith(EMPTY_VIEW_SET, 'g1', interner.acquire('g1', ['c1', 'c2']));
  t.equal(a1, b1, 'the same set object');
  t.same([...a1.views.keys()], ['g1']);
  t.same(a1.guildIds, ['g1']);
  t.equal(a1.hash, a1.views.get('g1')?.hash, 'one guild: the view hash');

  // b gains a guild: a is untouched.
  const g2 = interner.acquire('g2', ['c9']);
  const b2 = interner.acquireWith(b1, 'g2', g2);
  interner.release(g2);
  interner.releaseSet(b1);
  t.not(b2, a1);
  t.same([...a1.views.keys()], ['g1'], 'the shared set was not mutated');
  t.same(new Set(b2.guildIds), new Set(['g1', 'g2']));
  t.equal(interner.setCount, 2);

  // Dropping the guild again finds the first set.
  const b3 = interner.acquireWith(b2, 'g2', null);
  interner.releaseSet(b2);
  t.equal(b3, a1);
  t.equal(interner.setCount, 1);
  t.equal(interner.size, 1, 'g2 view gone with its last set');
});

t.test('views and sets are dropped when their last holder releases them', async (t) => {
  const interner = new ViewInterner();
  const view = interner.acquire('g1', ['c1']);
  const set = interner.acquireWith(EMPTY_VIEW_SET, 'g1', view);
  interner.release(view); // the caller's reference: the set holds its own
  t.equal(interner.size, 1);
  interner.releaseSet(set);
  t.equal(interner.size, 0);
  t.equal(interner.setCount, 0);
  t.equal(interner.acquireWith(set, 'g1', null), EMPTY_VIEW_SET, 'no guild left: the empty set');
});
