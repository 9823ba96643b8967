import t from 'tap';
import { clientAddressKey, rateLimitSubject } from '../../src/ratelimit/rateLimitSubject.js';

t.test('users are counted by user id, bots by token id, anonymous callers by address', async (t) => {
  t.equal(
    rateLimitSubject({ kind: 'user', userId: '1', scopes: [], sessionId: 'fam' }, '10.0.0.1'),
    'user:1',
  );
  t.equal(
    rateLimitSubject(
      { kind: 'bot', userId: '2', scopes: [], sessionId: 'tok', applicationId: '3' },
      '10.0.0.1',
    ),
    'bot:tok',
  );
  t.equal(rateLimitSubject(null, '10.0.0.1'), 'ip:10.0.0.1');
});

t.test('two tokens of one bot get separate subjects', async (t) => {
  const a = rateLimitSubject({ kind: 'bot', userId: '2', scopes: [], sessionId: 'tok-a' }, '10.0.0.1');
  const b = rateLimitSubject({ kind: 'bot', userId: '2', scopes: [], sessionId: 'tok-b' }, '10.0.0.1');
  t.not(a, b);
});

t.test('IPv4 and IPv4-mapped IPv6 are the same caller', async (t) => {
  t.equal(clientAddressKey('203.0.113.7'), '203.0.113.7');
  t.equal(clientAddressKey('::ffff:203.0.113.7'), '203.0.113.7');
});

t.test('IPv6 callers are counted per /64, however the address is written', async (t) => {
  t.equal(clientAddressKey('2001:db8:0:1::1'), '2001:db8:0:1::/64');
  t.equal(clientAddressKey('2001:0DB8:0000:0001:ffff:1:2:3'), '2001:db8:0:1::/64');
  t.equal(clientAddressKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.equal(clientAddressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  t.equal(clientAddressKey('::1'), '0:0:0:0::/64');
  t.equal(clientAddressKey('::'), '0:0:0:0::/64');
  t.equal(clientAddressKey('1:2:3:4:5:6:7.8.9.10'), '1:2:3:4::/64');
  t.not(clientAddressKey('2001:db8:0:1::1'), clientAddressKey('2001:db8:0:2::1'));
});

t.test('malformed or missing addresses still give a bounded key', async (t) => {
  t.equal(clientAddressKey(undefined), 'unknown');
  t.equal(clientAddressKey(''), 'unknown');
  t.equal(clientAddressKey('1::2::3'), '1::2::3');
  t.equal(clientAddressKey('x'.repeat(100)).length, 45);
  t.equal(clientAddressKey('zz:'.repeat(40)).length, 45);
});
