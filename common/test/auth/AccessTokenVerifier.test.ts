import { generateKeyPairSync } from 'node:crypto';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import t from 'tap';
import { AccessTokenVerifier } from '../../src/auth/AccessTokenVerifier.js';
import { VerificationKeys } from '../../src/auth/VerificationKeys.js';

function newJwk(kid: string) {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid };
}

async function sign(jwk: Record<string, string>, claims: JWTPayload): Promise<string> {
  const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid }).sign(key);
}

function setup(options: { cacheSize?: number } = {}) {
  const jwk = newJwk('k1');
  const keys = new VerificationKeys([jwk]);
  const revoked = new Set<string>();
  let now = Date.now();
  const verifier = new AccessTokenVerifier({
    keys,
    issuer: 'iss',
    audience: 'aud',
    isSessionRevoked: (sid) => revoked.has(sid),
    now: () => now,
    ...options,
  });
  const claims = (sid = 's1'): JWTPayload => {
    const iat = Math.floor(now / 1000);
    return { sub: 'u1', sid, typ: 'access', iss: 'iss', aud: 'aud', iat, exp: iat + 900 };
  };
  return {
    jwk,
    keys,
    revoked,
    verifier,
    claims,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

t.test('a valid token yields its claims', async (t) => {
  const { jwk, verifier, claims } = setup();
  const result = await verifier.verify(await sign(jwk, claims()));
  t.match(result, { ok: true, claims: { sub: 'u1', sid: 's1' } });
});

t.test('a verified token is served from the cache without another signature check', async (t) => {
  const { jwk, keys, verifier, claims } = setup();
  const cached = await sign(jwk, claims('a'));
  t.equal((await verifier.verify(cached)).ok, true);
  keys.replace([]);
  t.equal((await verifier.verify(cached)).ok, true, 'no key is needed for a cached token');
  t.same(await verifier.verify(await sign(jwk, claims('b'))), { ok: false, reason: 'unknown_key' });
});

t.test('revocation is honoured on cache hits', async (t) => {
  const { jwk, revoked, verifier, claims } = setup();
  const token = await sign(jwk, claims('sess'));
  t.equal((await verifier.verify(token)).ok, true);
  revoked.add('sess');
  t.same(await verifier.verify(token), { ok: false, reason: 'revoked' });
  revoked.delete('sess');
  t.equal((await verifier.verify(token)).ok, true, 'the check is live, not cached');
});

t.test('a cached token expires at its exp (plus the clock tolerance)', async (t) => {
  const { jwk, verifier, claims, advance } = setup();
  const token = await sign(jwk, claims());
  t.equal((await verifier.verify(token)).ok, true);
  advance(900_000);
  t.equal((await verifier.verify(token)).ok, true, 'within the tolerance');
  advance(5_001);
  t.same(await verifier.verify(token), { ok: false, reason: 'expired' });
});

t.test('the cache is bounded: the least recently used token is evicted', async (t) => {
  const { jwk, keys, verifier, claims } = setup({ cacheSize: 2 });
  const [one, two, three] = await Promise.all(['1', '2', '3'].map((sid) => sign(jwk, claims(sid))));
  for (const token of [one, two, three]) t.equal((await verifier.verify(token as string)).ok, true);
  keys.replace([]);
  t.same(await verifier.verify(one as string), { ok: false, reason: 'unknown_key' }, 'evicted');
  t.equal((await verifier.verify(three as string)).ok, true, 'still cached');
});

t.test('failures are reported by reason and never cached', async (t) => {
  const { jwk, verifier, claims } = setup();
  const now = Math.floor(Date.now() / 1000);
  t.same(await verifier.verify('x.y.z'), { ok: false, reason: 'malformed' });
  t.same(await verifier.verify('a'.repeat(5000)), { ok: false, reason: 'malformed' });
  t.same(await verifier.verify(await sign(jwk, { ...claims(), exp: now - 60 })), {
    ok: false,
    reason: 'expired',
  });
  t.same(await verifier.verify(await sign(jwk, { ...claims(), nbf: now + 60 })), {
    ok: false,
    reason: 'not_yet_valid',
  });
  t.same(await verifier.verify(await sign(jwk, { ...claims(), iat: now + 60, exp: now + 900 })), {
    ok: false,
    reason: 'not_yet_valid',
  });
  t.same(await verifier.verify(await sign(jwk, { ...claims(), aud: 'other' })), {
    ok: false,
    reason: 'invalid',
  });
  t.same(await verifier.verify(await sign(newJwk('k2'), claims())), { ok: false, reason: 'unknown_key' });
  const impostor = { ...newJwk('x'), kid: 'k1' };
  t.same(await verifier.verify(await sign(impostor, claims())), { ok: false, reason: 'invalid' });
});

t.test('only Ed25519 keys can be loaded; private parts are dropped', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  t.throws(() => new VerificationKeys([{ ...privateKey.export({ format: 'jwk' }), kid: 'ec' }]), /Ed25519/);
  t.throws(() => new VerificationKeys([{ ...newJwk('x'), kid: '' }]), /kid/);
  const keys = new VerificationKeys([newJwk('k')]);
  t.equal(keys.get('k')?.type, 'public');
});
