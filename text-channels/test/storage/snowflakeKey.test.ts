import t from 'tap';
import {
  afterKey,
  compareIds,
  cursorKey,
  lookupKey,
  lookupKeys,
  MAX_KEY,
  writeKey,
} from '../../src/storage/snowflakeKey.js';

t.test('a stored id is a decimal below 2^63; anything else is simply not found', async (t) => {
  t.equal(lookupKey('0'), 0n);
  t.equal(lookupKey('9223372036854775807'), MAX_KEY);
  t.equal(lookupKey('9223372036854775808'), null, '2^63 does not fit a signed 64-bit column');
  t.equal(lookupKey('12a'), null);
  t.equal(lookupKey(''), null);
  t.equal(lookupKey('-1'), null);
  t.same(lookupKeys(['3', 'x', '3', '1']), [3n, 1n], 'valid, de-duplicated, in order');
});

t.test('writing an id that cannot be stored is a TypeError naming the field', async (t) => {
  t.equal(writeKey('42', 'message.id'), 42n);
  t.throws(() => writeKey('abc', 'message.id'), { name: 'TypeError', message: /message\.id/ });
});

t.test('paging cursors accept Snowflakes up to 2^64, and after clamps to the largest key', async (t) => {
  t.equal(cursorKey('18446744073709551615'), 18446744073709551615n);
  t.equal(afterKey('18446744073709551615'), MAX_KEY);
  t.equal(afterKey('5'), 5n);
  t.equal(cursorKey('nope'), null);
});

t.test('ids compare as numbers, whatever their digit counts', async (t) => {
  t.same(['100', '99', '1000', '7'].sort(compareIds), ['7', '99', '100', '1000']);
});
