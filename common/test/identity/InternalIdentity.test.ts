import { type Identity, InternalIdentitySigner } from '@driftway/common';
import t from 'tap';

const SECRET = 'a-test-secret-that-is-long-enough-000';
const identity: Identity = { kind: 'bot', userId: '42', scopes: ['messages.read'], sessionId: 't1' };
const target = { method: 'GET', url: '/api/v10/channels/1/messages' };

t.test('a signed identity verifies for the same route', async (t) => {
  const signer = new InternalIdentitySigner(SECRET);
  t.same(signer.verify(signer.sign(identity, target), target), identity);
});

t.test('a header signed for one route is refused on another method or URL', async (t) => {
  const signer = new InternalIdentitySigner(SECRET);
  const header = signer.sign(identity, target);
  t.equal(signer.verify(header, { ...target, method: 'DELETE' }), null);
  t.equal(signer.verify(header, { ...target, url: '/api/v10/channels/2/messages' }), null);
});

t.test('a header signed with another key, tampered or malformed is refused', async (t) => {
  const signer = new InternalIdentitySigner(SECRET);
  const other = new InternalIdentitySigner(`${SECRET}-other`);
  t.equal(signer.verify(other.sign(identity, target), target), null);
  const [payload, ts, mac] = signer.sign(identity, target).split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...identity, userId: '1' })).toString('base64url');
  t.equal(signer.verify(`${forged}.${ts}.${mac}`, target), null);
  t.equal(signer.verify(`${payload}.${ts}`, target), null);
  t.equal(signer.verify(undefined, target), null);
  t.equal(signer.verify('x'.repeat(5000), target), null);
});

t.test('a header older than the maximum age is refused', async (t) => {
  let now = 1_000_000;
  const signer = new InternalIdentitySigner(SECRET, 30_000, () => now);
  const header = signer.sign(identity, target);
  now += 29_000;
  t.ok(signer.verify(header, target));
  now += 2_000;
  t.equal(signer.verify(header, target), null);
});

t.test('a short secret is refused at construction', async (t) => {
  t.throws(() => new InternalIdentitySigner('short'), RangeError);
});
