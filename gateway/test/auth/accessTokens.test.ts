import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWTPayload, SignJWT } from 'jose';
import t from 'tap';
import { GENERATED_KEYS_FILE } from '../../src/auth/KeyRing.js';
import {
  bearer,
  me,
  newJwk,
  outcome,
  type PrivateJwk,
  registerUser,
  startAuthGateway,
} from './helpers/authGateway.js';

const ISSUER = 'https://driftway.test';
const AUDIENCE = 'driftway-api';

/** Signs claims with an Ed25519 JWK, the way an attacker holding (or not) our key would. */
async function sign(
  jwk: PrivateJwk,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT', ...header })
    .sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('forged, expired and misdirected access tokens are each refused with a stable code', async (t) => {
  const key = newJwk('main');
  const { app } = await startAuthGateway(t, { keys: [key] });
  const session = await registerUser(app);
  const real = decodeJwt(session.access_token);
  const now = Math.floor(Date.now() / 1000);
  const good = {
    sub: real.sub,
    sid: real['sid'],
    typ: 'access',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
  };
  t.equal((await me(app, bearer(await sign(key, good)))).statusCode, 200, 'the crafting itself is right');

  const publicPem = createPublicKey({ key: key, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const hs256 = (secret: string | Buffer) => {
    const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'JWT' })}.${b64(good)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const cases: [string, string, number][] = [
    ['expired', await sign(key, { ...good, iat: now - 2000, exp: now - 1000 }), 90011],
    ['not yet valid (nbf)', await sign(key, { ...good, nbf: now + 3600 }), 90018],
    ['issued in the future (iat)', await sign(key, { ...good, iat: now + 3600, exp: now + 4000 }), 90018],
    ['wrong audience', await sign(key, { ...good, aud: 'someone-else' }), 90018],
    ['wrong issuer', await sign(key, { ...good, iss: 'https://evil.example' }), 90018],
    ['unknown kid', await sign(newJwk('other'), good), 90018],
    ['known kid, other key', await sign({ ...newJwk('x'), kid: key.kid }, good), 90018],
    ['alg none', `${b64({ alg: 'none', kid: key.kid, typ: 'JWT' })}.${b64(good)}.`, 90018],
    ['HS256 keyed with the public key PEM', hs256(publicPem as string), 90018],
    ['HS256 keyed with the raw public key', hs256(Buffer.from(key.x as string, 'base64url')), 90018],
    ['HS256 keyed with the public JWK x', hs256(key.x as string), 90018],
    ['no kid', await sign(key, good, { kid: undefined }), 90018],
    ['no session claim', await sign(key, { ...good, sid: undefined }), 90018],
    ['not an access token', await sign(key, { ...good, typ: 'refresh' }), 90018],
    [
      'tampered payload',
      `${session.access_token.split('.')[0]}.${b64({ ...good, sub: '1' })}.${session.access_token.split('.')[2]}`,
      90018,
    ],
    ['garbage', 'not-a-jwt', 90018],
    ['empty', '', 90018],
  ];
  for (const [what, token, code] of cases) {
    t.same(outcome(await me(app, bearer(token))), { status: 401, code }, what);
  }
  t.same(
    outcome(await me(app, { authorization: 'Basic dXNlcjpwYXNz' })),
    { status: 401, code: 40001 },
    'other scheme',
  );
  t.same(outcome(await me(app, {})), { status: 401, code: 40001 }, 'no credentials');
  t.equal((await app.inject('/health')).statusCode, 200, 'still serving');
});

t.test('bad credentials on a public route are ignored, not refused', async (t) => {
  const { app } = await startAuthGateway(t);
  const res = await app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: bearer('garbage') });
  t.equal(res.statusCode, 200);
});

t.test(
  'two configured keys: the first signs, both verify, and the JWKS lists both without private parts',
  async (t) => {
    const first = newJwk('2025-rotation-new');
    const second = newJwk('2024-rotation-old');
    const { app } = await startAuthGateway(t, { keys: [first, second] });
    const session = await registerUser(app);
    t.equal(decodeProtectedHeader(session.access_token).kid, first.kid, 'new tokens use the first key');

    const real = decodeJwt(session.access_token);
    const byOldKey = await sign(second, { ...real });
    t.equal(decodeProtectedHeader(byOldKey).kid, second.kid);
    t.equal((await me(app, bearer(byOldKey))).statusCode, 200, 'a token of the second key still verifies');

    const jwks = await app.inject('/.well-known/jwks.json');
    t.equal(jwks.statusCode, 200);
    t.match(jwks.headers['cache-control'], /max-age/);
    const { keys } = jwks.json() as { keys: Record<string, unknown>[] };
    t.same(
      keys.map((k) => k.kid),
      [first.kid, second.kid],
    );
    for (const k of keys) {
      t.same(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'], 'public fields only');
      t.equal(k.alg, 'EdDSA');
    }
    t.notOk(
      jwks.body.includes(first.d as string) || jwks.body.includes(second.d as string),
      'no private key bytes',
    );
  },
);

t.test('a verifier using only the published JWKS accepts the tokens the gateway issues', async (t) => {
  const { app } = await startAuthGateway(t);
  const session = await registerUser(app);
  const { keys } = (await app.inject('/.well-known/jwks.json')).json() as { keys: Record<string, string>[] };
  const { jwtVerify, createLocalJWKSet } = await import('jose');
  const { payload } = await jwtVerify(session.access_token, createLocalJWKSet({ keys }), {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
  });
  t.equal(payload.sub, session.user.id);
  t.equal(payload['typ'], 'access');
  t.type(payload['sid'], 'string');
  t.equal((payload.exp as number) - (payload.iat as number), 900);
});

t.test(
  'in embedded mode without configured keys, a key is generated once and survives a restart',
  async (t) => {
    const dataDir = t.testdir();
    const env = { JWT_PRIVATE_KEYS: '', DATA_DIR: dataDir };
    const first = await startAuthGateway(t, { env });
    const session = await registerUser(first.app);
    const file = join(dataDir, GENERATED_KEYS_FILE);
    t.equal((await stat(file)).mode & 0o777, 0o600, 'the key file is private to its owner');
    const stored = JSON.parse(await readFile(file, 'utf8')) as PrivateJwk[];
    t.equal(stored.length, 1);
    t.equal(decodeProtectedHeader(session.access_token).kid, stored[0]?.kid);
    await first.app.close();

    const second = await startAuthGateway(t, { env, storage: first.storage });
    t.equal((await me(second.app, bearer(session.access_token))).statusCode, 200, 'the session survived');
    t.same(JSON.parse(await readFile(file, 'utf8')), stored, 'the key was reused, not replaced');
  },
);

t.test('a malformed key configuration stops the gateway with a message naming the variable', async (t) => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecJwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'ec' };
  const publicOnly = { ...newJwk('pub'), d: undefined };
  for (const [what, keys] of [
    ['not Ed25519', [ecJwk]],
    ['no private part', [publicOnly]],
    ['no kid', [{ ...newJwk('x'), kid: undefined }]],
    ['repeated kid', [newJwk('same'), newJwk('same')]],
  ] as const) {
    await t.rejects(
      startAuthGateway(t, { env: { JWT_PRIVATE_KEYS: JSON.stringify(keys) } }),
      /JWT_PRIVATE_KEYS/,
      what,
    );
  }
});

t.test('unknown routes answer 404 with or without credentials', async (t) => {
  const { app } = await startAuthGateway(t);
  t.same(outcome(await app.inject('/api/v10/no-such-thing')), { status: 404, code: 0 });
  t.same(outcome(await app.inject({ url: '/api/v10/no-such-thing', headers: bearer('bad') })), {
    status: 404,
    code: 0,
  });
});
