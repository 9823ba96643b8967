import { MongoNetworkError, MongoServerError } from 'mongodb';
import t from 'tap';
import { duplicateKeyField, toStoreError } from '../../../src/storage/mongo/mongoErrors.js';

// A server is not always available to produce these, so the mapping is checked on the driver's
// own error classes, shaped as the server sends them.

t.test('a duplicate key error names the field from its key pattern', async (t) => {
  const cases: [Record<string, number>, string][] = [
    [{ usernameLower: 1 }, 'username'],
    [{ email: 1 }, 'email'],
    [{ tokenHash: 1 }, 'tokenHash'],
    [{ botUserId: 1 }, 'botUserId'],
    [{ _id: 1 }, 'id'],
  ];
  for (const [keyPattern, what] of cases) {
    const driverError = new MongoServerError({
      message: 'E11000 duplicate key error',
      code: 11000,
      keyPattern,
    });
    const err = toStoreError(driverError);
    t.match(err, { key: 'STORE_CONFLICT', status: 409, params: { what } }, what);
    t.equal((err as Error).cause, driverError, `${what} keeps the driver error as cause`);
  }
});

t.test('a duplicate key error without a key pattern is read from its message', async (t) => {
  const fromDupKey = new MongoServerError({
    message:
      'E11000 duplicate key error collection: db.users index: username_unique dup key: { usernameLower: "x" }',
    code: 11000,
  });
  t.equal(duplicateKeyField(fromDupKey), 'username');
  const fromIndexName = new MongoServerError({
    message: 'E11000 duplicate key error collection: db.bot_tokens index: token_hash_unique',
    code: 11000,
  });
  t.equal(duplicateKeyField(fromIndexName), 'tokenHash');
  t.equal(duplicateKeyField(new MongoServerError({ message: 'E11000', code: 11000 })), 'record');
});

t.test('a network error becomes STORE_UNAVAILABLE and other errors pass through unchanged', async (t) => {
  const network = new MongoNetworkError('connection reset');
  t.match(toStoreError(network), { key: 'STORE_UNAVAILABLE', status: 503, cause: network });
  const other = new MongoServerError({ message: 'unknown operator: $nope', code: 2 });
  t.equal(toStoreError(other), other);
  const plain = new Error('a bug');
  t.equal(toStoreError(plain), plain);
});
