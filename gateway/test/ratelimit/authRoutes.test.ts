import t from 'tap';
import { bucketHash } from '../../src/ratelimit/BucketPolicies.js';
import { type Gateway, send, startGateway } from './helpers/startGateway.js';

const PASSWORD = 'correct horse battery staple';

async function register(gw: Gateway, username: string): Promise<string> {
  const res = await send(`${gw.url}/api/v10/auth/register`, {
    method: 'POST',
    body: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as { access_token: string }).access_token;
}

const login = (gw: Gateway, password: string, localAddress = '127.0.0.1') =>
  send(`${gw.url}/api/v10/auth/login`, {
    method: 'POST',
    body: { login: 'alice@example.com', password },
    localAddress,
  });

t.test('login brute force from one address is refused with 429 after five attempts a minute', async (t) => {
  const gw = await startGateway(t);
  await register(gw, 'alice');
  const attempts = [];
  for (let i = 0; i < 5; i++) attempts.push(await login(gw, `wrong password ${i}`));
  t.same(
    attempts.map((a) => a.status),
    [401, 401, 401, 401, 401],
  );
  t.same(
    attempts.map((a) => a.headers['x-ratelimit-remaining']),
    ['4', '3', '2', '1', '0'],
  );
  t.equal(attempts[0]?.headers['x-ratelimit-bucket'], bucketHash('auth.login'));
  const refused = await login(gw, PASSWORD);
  t.equal(refused.status, 429, 'even the right password is not checked once the address is limited');
  t.match(refused.body, { code: 90030, global: false, message: 'You are being rate limited.' });
  t.notOk((refused.body as Record<string, unknown>)['access_token']);
  t.ok(Number(refused.headers['retry-after']) > 50);

  const elsewhere = await login(gw, PASSWORD, '127.0.0.2');
  t.equal(elsewhere.status, 200, 'another address is counted separately');
});

t.test(
  'guessing one account from many addresses is refused after ten attempts in five minutes',
  async (t) => {
    const gw = await startGateway(t);
    await register(gw, 'alice');
    await register(gw, 'carol');
    const statuses = [];
    // One attempt per address: the per-IP bucket never fills, only the per-account one does.
    for (let i = 0; i < 10; i++) statuses.push((await login(gw, `guess ${i}`, `127.0.1.${i + 1}`)).status);
    t.same(statuses, Array(10).fill(401));
    const refused = await login(gw, PASSWORD, '127.0.1.50');
    t.equal(refused.status, 429, 'the right password from a fresh address is not even checked');
    t.match(refused.body, { code: 90030, global: false });

    const other = await send(`${gw.url}/api/v10/auth/login`, {
      method: 'POST',
      body: { login: 'CAROL', password: PASSWORD },
      localAddress: '127.0.1.51',
    });
    t.equal(other.status, 200, 'another account is unaffected');
  },
);

t.test('authenticated requests are counted per user, whatever address they come from', async (t) => {
  const gw = await startGateway(t);
  const token = await register(gw, 'bob');
  const me = (localAddress: string) =>
    send(`${gw.url}/api/v10/users/@me`, { headers: { authorization: `Bearer ${token}` }, localAddress });
  const first = await me('127.0.0.1');
  const second = await me('127.0.0.2');
  t.equal(first.status, 200);
  t.equal(first.headers['x-ratelimit-bucket'], bucketHash('users.me'));
  t.equal(
    Number(second.headers['x-ratelimit-remaining']),
    Number(first.headers['x-ratelimit-remaining']) - 1,
  );

  const anonymous = await send(`${gw.url}/api/v10/users/@me`, { localAddress: '127.0.0.2' });
  t.equal(anonymous.status, 401);
  t.equal(
    anonymous.headers['x-ratelimit-remaining'],
    '19',
    'anonymous callers from that address count apart',
  );
});

t.test('each bot token has its own count, shared by nobody else', async (t) => {
  const gw = await startGateway(t);
  const owner = { authorization: `Bearer ${await register(gw, 'carol')}` };
  const created = await send(`${gw.url}/api/v10/applications`, {
    method: 'POST',
    headers: owner,
    body: { name: 'limits', scopes: ['identify'] },
  });
  t.equal(created.status, 201);
  const { id, token: first } = created.body as { id: string; token: string };
  const second = await send(`${gw.url}/api/v10/applications/${id}/tokens`, {
    method: 'POST',
    headers: owner,
    body: { scopes: ['identify'] },
  });
  t.equal(second.status, 201);
  const me = (token: string) =>
    send(`${gw.url}/api/v10/users/@me`, { headers: { authorization: `Bot ${token}` } });
  t.equal((await me(first)).headers['x-ratelimit-remaining'], '19');
  t.equal((await me(first)).headers['x-ratelimit-remaining'], '18');
  const other = await me((second.body as { token: string }).token);
  t.equal(other.status, 200);
  t.equal(other.headers['x-ratelimit-remaining'], '19', 'the second token of the same bot counts apart');
});

t.test('a flood of bad tokens is limited by address before any 401 is worked out', async (t) => {
  const gw = await startGateway(t);
  const statuses: number[] = [];
  for (let i = 0; i < 21; i++)
    statuses.push(
      (await send(`${gw.url}/api/v10/users/@me`, { headers: { authorization: `Bearer not.a.token${i}` } }))
        .status,
    );
  t.same(statuses.slice(0, 20), Array(20).fill(401));
  t.equal(statuses[20], 429);
});
