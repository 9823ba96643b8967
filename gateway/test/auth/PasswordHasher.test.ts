import t from 'tap';
import { DEFAULT_SCRYPT_PARAMS, PasswordHasher } from '../../src/auth/PasswordHasher.js';

const fast = new PasswordHasher({ N: 1024, r: 8, p: 1 });

t.test('hashes carry their parameters and a per-hash salt', async (t) => {
  const hasher = new PasswordHasher();
  const hash = await hasher.hash('correct horse');
  const { N, r, p } = DEFAULT_SCRYPT_PARAMS;
  t.match(hash, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[\\w-]{22}\\$[\\w-]{43}$`));
  t.not(await fast.hash('same'), await fast.hash('same'), 'two hashes of one password differ');
  t.notOk(hash.includes('correct horse'));
});

t.test('verify accepts the password and nothing else', async (t) => {
  const hash = await fast.hash('correct horse');
  t.equal(await fast.verify('correct horse', hash), true);
  t.equal(await fast.verify('correct hors', hash), false);
  t.equal(await fast.verify('', hash), false);
});

t.test('hashes made with other parameters still verify (parameters can be raised later)', async (t) => {
  const old = await new PasswordHasher({ N: 512, r: 4, p: 1 }).hash('pw-from-2024');
  t.equal(await fast.verify('pw-from-2024', old), true);
});

t.test('unparseable or abusive stored strings never verify and never throw', async (t) => {
  const good = await fast.hash('pw');
  const parts = good.split('$');
  const tampered = [
    '',
    'plaintext',
    `bcrypt$${parts.slice(1).join('$')}`,
    ['scrypt', 2 ** 30, 8, 1, parts[4], parts[5]].join('$'),
    ['scrypt', 1000, 8, 1, parts[4], parts[5]].join('$'),
    ['scrypt', 1024, 1000, 1, parts[4], parts[5]].join('$'),
    ['scrypt', 1024, 8, 1, '', parts[5]].join('$'),
  ];
  for (const stored of tampered) t.equal(await fast.verify('pw', stored), false, stored.slice(0, 30));
});

t.test('the dummy verification always fails', async (t) => {
  await fast.prepare();
  t.equal(await fast.verifyDummy('anything'), false);
});
