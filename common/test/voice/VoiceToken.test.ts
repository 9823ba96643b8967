import t from 'tap';
import { type VoiceGrant, VoiceTokenIssuer, VoiceTokenVerifier } from '../../src/voice/VoiceToken.js';

const SECRET = 'voice-token-test-secret-0123456789abcdef';
const grant: VoiceGrant = {
  userId: '100',
  guildId: '200',
  channelId: '300',
  instanceId: 'voice-a',
  sessionId: 'session-1',
  bitrate: 64_000,
  noiseSuppression: true,
  mute: true,
  deaf: false,
  suppress: true,
};

t.test('a token verifies on the instance it was issued for, with every claim', async (t) => {
  const token = await new VoiceTokenIssuer(SECRET).issue(grant);
  const result = await new VoiceTokenVerifier(SECRET, 'voice-a').verify(token);
  t.same(result, { ok: true, grant });
});

t.test('optional channel settings stay absent when not granted; flags default to false', async (t) => {
  const { bitrate: _b, noiseSuppression: _n, mute: _m, deaf: _d, suppress: _s, ...bare } = grant;
  const token = await new VoiceTokenIssuer(SECRET).issue(bare);
  const result = await new VoiceTokenVerifier(SECRET, 'voice-a').verify(token);
  t.same(result, { ok: true, grant: { ...bare, mute: false, deaf: false, suppress: false } });
});

t.test('a token past its lifetime is expired', async (t) => {
  const token = await new VoiceTokenIssuer(SECRET, 60).issue(grant);
  const later = new VoiceTokenVerifier(SECRET, 'voice-a', () => Date.now() + 61_000);
  t.same(await later.verify(token), { ok: false, reason: 'expired' });
  const sooner = new VoiceTokenVerifier(SECRET, 'voice-a', () => Date.now() + 50_000);
  t.equal((await sooner.verify(token)).ok, true);
});

t.test('a token for another instance is refused as wrong_instance', async (t) => {
  const token = await new VoiceTokenIssuer(SECRET).issue(grant);
  t.same(await new VoiceTokenVerifier(SECRET, 'voice-b').verify(token), {
    ok: false,
    reason: 'wrong_instance',
  });
});

t.test('a tampered payload or a token from another secret fails the signature', async (t) => {
  const token = await new VoiceTokenIssuer(SECRET).issue(grant);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const forged = Buffer.from(JSON.stringify({ ...claims, cid: '999' })).toString('base64url');
  const verifier = new VoiceTokenVerifier(SECRET, 'voice-a');
  t.same(await verifier.verify(`${header}.${forged}.${signature}`), { ok: false, reason: 'bad_signature' });
  const foreign = await new VoiceTokenIssuer(`${SECRET}-other`).issue(grant);
  t.same(await verifier.verify(foreign), { ok: false, reason: 'bad_signature' });
});

t.test('malformed tokens are refused without throwing', async (t) => {
  const verifier = new VoiceTokenVerifier(SECRET, 'voice-a');
  const bad = [undefined, null, 42, '', 'abc', 'a.b', 'a.b.c', 'x'.repeat(3000), {}];
  for (const [i, token] of bad.entries()) {
    t.same(await verifier.verify(token), { ok: false, reason: 'malformed' }, `case ${i}`);
  }
});

t.test('an HS256 JWT of another type from the same secret is not a voice token', async (t) => {
  const { SignJWT } = await import('jose');
  const { createHmac } = await import('node:crypto');
  const key = createHmac('sha256', SECRET).update('driftway:voice-token').digest();
  const jwt = await new SignJWT({ gid: '200', cid: '300', sid: 's' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('100')
    .setIssuer('driftway-text')
    .setAudience('driftway-voice:voice-a')
    .setExpirationTime('60s')
    .sign(key);
  t.same(await new VoiceTokenVerifier(SECRET, 'voice-a').verify(jwt), { ok: false, reason: 'malformed' });
});

t.test('a short secret is refused at construction', async (t) => {
  t.throws(() => new VoiceTokenIssuer('short'), RangeError);
  t.throws(() => new VoiceTokenVerifier('short', 'voice-a'), RangeError);
});
