import { MongoNetworkError, MongoServerError } from 'mongodb';
import t from 'tap';
import { duplicateKeyField, isDuplicateOn, toStoreError } from '../../../src/storage/mongo/mongoErrors.js';

// The server is not available in CI to produce these, so the mapping is checked on the driver's
// own error classes, shaped as the server sends them.

function duplicate(
  keyPattern?: Record<string, number>,
  message = 'E11000 duplicate key error',
): MongoServerError {
  return new MongoServerError({ message, code: 11000, ...(keyPattern ? { keyPattern } : {}) });
}

t.test('a duplicate key error names the record field, with _id named per collection', async (t) => {
  t.equal(duplicateKeyField(duplicate({ _id: 1 })), 'id');
  t.equal(duplicateKeyField(duplicate({ _id: 1 }), 'member'), 'member');
  t.equal(duplicateKeyField(duplicate({ _id: 1 }), 'code'), 'code');
  t.equal(duplicateKeyField(duplicate({ dmKey: 1 })), 'recipientIds');
  const driverError = duplicate({ _id: 1 });
  const err = toStoreError(driverError, 'member');
  t.match(err, { key: 'STORE_CONFLICT', status: 409, params: { what: 'member' } });
  t.equal((err as Error).cause, driverError);
});

t.test(
  'a nonce or reaction duplicate is recognised by its index key, with or without a key pattern',
  async (t) => {
    t.ok(isDuplicateOn(duplicate({ channelId: 1, authorId: 1, nonce: 1 }), 'nonce'));
    t.notOk(isDuplicateOn(duplicate({ _id: 1 }), 'nonce'), 'a reused message id is not a nonce retry');
    t.ok(
      isDuplicateOn(
        duplicate(
          undefined,
          'E11000 duplicate key error index: nonce_unique dup key: { channelId: "1", nonce: "x" }',
        ),
        'nonce',
      ),
    );
    t.ok(isDuplicateOn(duplicate({ messageId: 1, emoji: 1, userKey: 1 }), 'userKey'));
    t.notOk(isDuplicateOn(new Error('E11000'), 'nonce'), 'only server errors count');
  },
);

t.test('a lost server is STORE_UNAVAILABLE and other errors pass through', async (t) => {
  const lost = new MongoNetworkError('connection reset');
  t.match(toStoreError(lost), { key: 'STORE_UNAVAILABLE', status: 503, cause: lost });
  const other = new Error('a bug');
  t.equal(toStoreError(other), other);
});
