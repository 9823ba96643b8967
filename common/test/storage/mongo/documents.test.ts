import t from 'tap';
import {
  applicationFromDoc,
  applicationToDoc,
  botTokenFromDoc,
  botTokenToDoc,
  refreshTokenFromDoc,
  refreshTokenToDoc,
  userFromDoc,
  userToDoc,
} from '../../../src/storage/mongo/documents.js';

// The MongoDB contract run needs a server; the record <-> document mapping does not.

t.test(
  'a user document keys on the id, carries the lookup key, and maps back without leaking either',
  async (t) => {
    const user = {
      id: '10',
      username: 'Ünïcode',
      globalName: 'G',
      email: 'Mixed@Example.com',
      passwordHash: 'scrypt$x',
      bot: false,
      avatar: null,
      createdAt: 5,
    };
    const doc = userToDoc(user);
    t.match(doc, { _id: '10', usernameLower: 'ünïcode', email: 'mixed@example.com' });
    t.same(userFromDoc(doc), { ...user, email: 'mixed@example.com' });
    t.notOk('_id' in userFromDoc(doc) || 'usernameLower' in userFromDoc(doc), 'no document-only fields');
  },
);

t.test('token and application documents map back to exactly the records they came from', async (t) => {
  const refresh = {
    id: '1',
    familyId: 'f',
    userId: 'u',
    tokenHash: 'h',
    createdAt: 1,
    expiresAt: 2,
    usedAt: null,
    revokedAt: 3,
  };
  t.same(refreshTokenFromDoc(refreshTokenToDoc(refresh)), refresh);
  const app = { id: '2', ownerId: 'o', name: 'n', description: 'd', botUserId: 'b', createdAt: 1 };
  t.same(applicationFromDoc(applicationToDoc(app)), app);
  const bot = {
    id: '3',
    applicationId: '2',
    botUserId: 'b',
    tokenHash: 'h',
    scopes: ['messages.read'],
    createdAt: 1,
    revokedAt: null,
  };
  const doc = botTokenToDoc(bot);
  t.same(botTokenFromDoc(doc), bot);
  t.not(doc.scopes, bot.scopes, 'the scopes array is copied, not shared');
});
