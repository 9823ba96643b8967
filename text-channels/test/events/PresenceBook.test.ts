import t from 'tap';
import { PresenceBook } from '../../src/events/PresenceBook.js';

const online = { userId: 'u1', status: 'online' as const, activities: [] };
const idle = { userId: 'u1', status: 'idle' as const, activities: [] };

t.test("a user's presence follows their sessions: one, two, then none", async (t) => {
  const book = new PresenceBook();
  t.equal(book.forUser('u1'), null);
  t.equal(book.set('s1', online, 1), 'u1');
  t.equal(book.forUser('u1')?.status, 'online');
  book.set('s2', idle, 2);
  t.equal(book.forUser('u1')?.status, 'idle', 'the most recent non-offline presence wins');
  book.set('s2', null, 3);
  t.equal(book.forUser('u1')?.status, 'online', 'back to the remaining session');
  t.same([...book.users()], ['u1']);
  t.equal(book.set('s1', null, 4), 'u1');
  t.equal(book.forUser('u1'), null);
  t.same([...book.users()], []);
  t.equal(book.set('s1', null, 5), null, 'removing twice changes nothing');
});
