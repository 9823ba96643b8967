import { join } from 'node:path';
import { openStorage } from '@driftway/common';
import t from 'tap';
import {
  bearer,
  me,
  outcome,
  PASSWORD,
  registerUser,
  type Session,
  startAuthGateway,
} from './helpers/authGateway.js';

const register = (payload: Record<string, unknown>) => ({
  method: 'POST' as const,
  url: '/api/v10/auth/register',
  payload,
});
const login = (payload: Record<string, unknown>) => ({
  method: 'POST' as const,
  url: '/api/v10/auth/login',
  payload,
});
const refresh = (refresh_token: string) => ({
  method: 'POST' as const,
  url: '/api/v10/auth/refresh',
  payload: { refresh_token },
});
const logout = (session: Session) => ({
  method: 'POST' as const,
  url: '/api/v10/auth/logout',
  headers: bearer(session.access_token),
});

t.test('registering returns the user and a Bearer session that works on /users/@me', async (t) => {
  const { app } = await startAuthGateway(t);
  const res = await app.inject(
    register({ username: 'Ada.Lovelace', email: 'Ada@Example.com', password: PASSWORD, global_name: 'Ada' }),
  );
  t.equal(res.statusCode, 201);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.match(body, {
    user: {
      id: /^\d+$/,
      username: 'Ada.Lovelace',
      global_name: 'Ada',
      discriminator: '0',
      bot: false,
      email: 'ada@example.com',
      flags: 0,
    },
    access_token: /^[\w-]+\.[\w-]+\.[\w-]+$/,
    refresh_token: /^[\w-]{43}$/,
    token_type: 'Bearer',
    expires_in: 900,
  });
  t.notOk('password' in body.user || 'passwordHash' in body.user, 'no password material on the wire');

  const who = await me(app, bearer(body.access_token));
  t.equal(who.statusCode, 200);
  t.same(who.json(), body.user);
});

t.test('login works with the username or the email, in any case, and opens a new session', async (t) => {
  const { app } = await startAuthGateway(t);
  const first = await registerUser(app, 'grace');
  for (const name of ['grace', 'GRACE', 'grace@example.com', 'Grace@Example.COM']) {
    const res = await app.inject(login({ login: name, password: PASSWORD }));
    t.equal(res.statusCode, 200, `login as ${name}`);
    const body = res.json();
    t.equal(body.user.id, first.user.id);
    t.equal(body.token_type, 'Bearer');
    t.not(body.refresh_token, first.refresh_token);
    t.equal((await me(app, bearer(body.access_token))).statusCode, 200);
  }
});

t.test('an unknown login and a wrong password get the same status and body', async (t) => {
  const { app } = await startAuthGateway(t);
  await registerUser(app, 'hopper');
  const wrongPassword = await app.inject(login({ login: 'hopper', password: 'not the password' }));
  const unknownUser = await app.inject(login({ login: 'nobody_here', password: 'not the password' }));
  const unknownEmail = await app.inject(login({ login: 'nobody@example.com', password: PASSWORD }));
  const shortPassword = await app.inject(login({ login: 'hopper', password: 'x' }));
  t.equal(wrongPassword.statusCode, 401);
  t.same(wrongPassword.json(), {
    code: 90010,
    message: 'Login or password is invalid',
    error: 'AUTH_INVALID_LOGIN',
  });
  for (const other of [unknownUser, unknownEmail, shortPassword]) {
    t.equal(other.statusCode, wrongPassword.statusCode);
    t.equal(other.body, wrongPassword.body);
  }
});

t.test('bot accounts cannot log in with a password', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await app.inject({
    method: 'POST',
    url: '/api/v10/applications',
    headers: bearer(owner.access_token),
    payload: { name: 'nopassbot' },
  });
  const res = await app.inject(login({ login: created.json().bot.username, password: PASSWORD }));
  t.same(outcome(res), { status: 401, code: 90010 });
});

t.test('usernames and emails are unique regardless of case', async (t) => {
  const { app } = await startAuthGateway(t);
  await app.inject(register({ username: 'linus', email: 'linus@example.com', password: PASSWORD }));
  const sameName = await app.inject(
    register({ username: 'LINUS', email: 'other@example.com', password: PASSWORD }),
  );
  t.same(outcome(sameName), { status: 400, code: 90014 });
  t.equal(sameName.json().errors.username._errors[0].code, 'USERNAME_ALREADY_TAKEN');
  const sameEmail = await app.inject(
    register({ username: 'linus2', email: 'LINUS@example.com', password: PASSWORD }),
  );
  t.same(outcome(sameEmail), { status: 400, code: 90015 });
  t.equal(sameEmail.json().errors.email._errors[0].code, 'EMAIL_ALREADY_REGISTERED');
});

t.test('bad register bodies get 400 50035 with Discord form errors, field by field', async (t) => {
  const { app } = await startAuthGateway(t);
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['missing fields', { username: 'someone' }, 'email', 'BASE_TYPE_REQUIRED'],
    ['missing password', { username: 'someone', email: 'a@example.com' }, 'password', 'BASE_TYPE_REQUIRED'],
    [
      'wrong type',
      { username: 42, email: 'a@example.com', password: PASSWORD },
      'username',
      'BASE_TYPE_BAD_TYPE',
    ],
    [
      'unknown field',
      { username: 'someone', email: 'a@example.com', password: PASSWORD, admin: true },
      'admin',
      'UNKNOWN_FIELD',
    ],
    [
      'bad username characters',
      { username: 'no spaces!', email: 'a@example.com', password: PASSWORD },
      'username',
      'STRING_TYPE_REGEX',
    ],
    [
      'two periods in a row',
      { username: 'a..b', email: 'a@example.com', password: PASSWORD },
      'username',
      'STRING_TYPE_REGEX',
    ],
    [
      'username too short',
      { username: 'a', email: 'a@example.com', password: PASSWORD },
      'username',
      'BASE_TYPE_MIN_LENGTH',
    ],
    [
      'username too long',
      { username: 'a'.repeat(33), email: 'a@example.com', password: PASSWORD },
      'username',
      'BASE_TYPE_MAX_LENGTH',
    ],
    [
      'not an email',
      { username: 'someone', email: 'not-an-email', password: PASSWORD },
      'email',
      'STRING_TYPE_FORMAT',
    ],
    [
      'password too short',
      { username: 'someone', email: 'a@example.com', password: 'short' },
      'password',
      'BASE_TYPE_MIN_LENGTH',
    ],
    [
      'password too long',
      { username: 'someone', email: 'a@example.com', password: 'p'.repeat(129) },
      'password',
      'BASE_TYPE_MAX_LENGTH',
    ],
  ];
  for (const [what, payload, field, code] of cases) {
    const res = await app.inject(register(payload));
    t.equal(res.statusCode, 400, what);
    const body = res.json();
    t.equal(body.code, 50035, what);
    t.equal(body.message, 'Invalid Form Body', what);
    t.ok(
      body.errors?.[field]?._errors?.some((e: { code: string }) => e.code === code),
      `${what}: ${field} has ${code} in ${JSON.stringify(body.errors)}`,
    );
  }
  t.equal(
    (await app.inject(login({ login: 'someone' }))).json().errors.password._errors[0].code,
    'BASE_TYPE_REQUIRED',
  );
  t.equal(
    (await app.inject(refresh(42 as unknown as string))).json().errors.refresh_token._errors[0].code,
    'BASE_TYPE_BAD_TYPE',
  );
});

t.test('malformed JSON gets a 400 with a stable code and nothing crashes', async (t) => {
  const { app } = await startAuthGateway(t);
  for (const url of ['/api/v10/auth/register', '/api/v10/auth/login', '/api/v10/auth/refresh']) {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: '{"login": "x", "password":',
    });
    t.same(outcome(res), { status: 400, code: 50109 }, url);
  }
  t.equal((await app.inject('/health')).statusCode, 200);
});

t.test('a refresh token rotates: the new pair works and the old refresh token is spent', async (t) => {
  const { app } = await startAuthGateway(t);
  const session = await registerUser(app);
  const res = await app.inject(refresh(session.refresh_token));
  t.equal(res.statusCode, 200);
  const next = res.json();
  t.match(next, { token_type: 'Bearer', expires_in: 900, user: { id: session.user.id } });
  t.not(next.refresh_token, session.refresh_token);
  t.equal((await me(app, bearer(next.access_token))).statusCode, 200);
  const again = await app.inject(refresh(next.refresh_token));
  t.equal(again.statusCode, 200, 'rotation continues along the family');
});

t.test('reusing a refresh token revokes the whole family and its access tokens', async (t) => {
  const { app } = await startAuthGateway(t);
  const session = await registerUser(app);
  const rotated = (await app.inject(refresh(session.refresh_token))).json();
  const other = (await app.inject(login({ login: session.user.username, password: PASSWORD }))).json();

  const reuse = await app.inject(refresh(session.refresh_token));
  t.same(outcome(reuse), { status: 401, code: 90013 });
  t.same(
    outcome(await app.inject(refresh(rotated.refresh_token))),
    { status: 401, code: 90012 },
    'the heir is dead too',
  );
  t.same(outcome(await me(app, bearer(session.access_token))), { status: 401, code: 90019 });
  t.same(outcome(await me(app, bearer(rotated.access_token))), { status: 401, code: 90019 });
  t.equal(
    (await me(app, bearer(other.access_token))).statusCode,
    200,
    'another session of the user lives on',
  );
  t.equal((await app.inject(refresh(other.refresh_token))).statusCode, 200);
});

t.test('unknown, malformed and expired refresh tokens are refused with AUTH_REFRESH_INVALID', async (t) => {
  let clock = Date.now();
  const { app } = await startAuthGateway(t, {
    env: { REFRESH_TOKEN_TTL_SECONDS: '3600' },
    now: () => clock,
  });
  const session = await registerUser(app);
  t.same(outcome(await app.inject(refresh('A'.repeat(43)))), { status: 401, code: 90012 });
  t.same(outcome(await app.inject(refresh('not a token'))), { status: 401, code: 90012 });
  clock += 3601_000;
  t.same(outcome(await app.inject(refresh(session.refresh_token))), { status: 401, code: 90012 });
});

t.test('an access token stops working when it expires', async (t) => {
  let clock = Date.now();
  const { app } = await startAuthGateway(t, { now: () => clock });
  const session = await registerUser(app);
  t.equal((await me(app, bearer(session.access_token))).statusCode, 200, 'verified and cached');
  clock += 900_000 + 10_000;
  t.same(
    outcome(await me(app, bearer(session.access_token))),
    { status: 401, code: 90011 },
    'even from the cache',
  );
});

t.test('logout ends that session only: its access and refresh tokens are refused', async (t) => {
  const { app } = await startAuthGateway(t);
  const session = await registerUser(app);
  const other = (await app.inject(login({ login: session.user.username, password: PASSWORD }))).json();
  t.equal((await me(app, bearer(session.access_token))).statusCode, 200, 'cached before logout');

  const res = await app.inject(logout(session));
  t.equal(res.statusCode, 204);
  t.same(outcome(await me(app, bearer(session.access_token))), { status: 401, code: 90019 });
  t.same(outcome(await app.inject(refresh(session.refresh_token))), { status: 401, code: 90012 });
  t.same(outcome(await app.inject(logout(session))), { status: 401, code: 90019 }, 'no second logout');
  t.equal((await me(app, bearer(other.access_token))).statusCode, 200);
});

t.test('a logout that lands while a refresh is under way leaves no live token in the family', async (t) => {
  // The race: refresh checks the token, logout revokes the family, refresh stores the heir. The
  // store's create runs the logout first, deterministically, when armed.
  const storage = await openStorage({ kind: 'sqlite', path: join(t.testdir(), 'race.db') });
  t.teardown(() => storage.close());
  const tokens = storage.refreshTokens;
  const create = tokens.create.bind(tokens);
  let beforeCreate: (() => Promise<unknown>) | null = null;
  const heirs: string[] = [];
  tokens.create = async (token) => {
    const hook = beforeCreate;
    beforeCreate = null;
    if (hook) {
      heirs.push(token.tokenHash);
      await hook();
    }
    return create(token);
  };
  const { app } = await startAuthGateway(t, { storage });
  const session = await registerUser(app);
  beforeCreate = async () => t.equal((await app.inject(logout(session))).statusCode, 204, 'logged out');
  t.same(outcome(await app.inject(refresh(session.refresh_token))), { status: 401, code: 90012 });
  t.equal(heirs.length, 1, 'the refresh got as far as storing an heir');
  const heir = await tokens.getByHash(heirs[0] ?? '');
  t.not(heir?.revokedAt ?? null, null, 'and the heir is revoked');

  // Without the race the same calls rotate as usual.
  const other = (await app.inject(login({ login: session.user.username, password: PASSWORD }))).json();
  t.equal((await app.inject(refresh(other.refresh_token))).statusCode, 200);
});

t.test('logout needs a user session: none, or a bot token, is refused', async (t) => {
  const { app } = await startAuthGateway(t);
  const res = await app.inject({ method: 'POST', url: '/api/v10/auth/logout' });
  t.same(outcome(res), { status: 401, code: 40001 });
  const owner = await registerUser(app);
  const created = await app.inject({
    method: 'POST',
    url: '/api/v10/applications',
    headers: bearer(owner.access_token),
    payload: { name: 'logoutbot' },
  });
  const asBot = await app.inject({
    method: 'POST',
    url: '/api/v10/auth/logout',
    headers: { authorization: `Bot ${created.json().token}` },
  });
  t.same(outcome(asBot), { status: 403, code: 90017 });
});

t.test('passwords, access tokens, refresh tokens and bot tokens never reach the log', async (t) => {
  const { app, logText } = await startAuthGateway(t);
  const secretPassword = 'hunter2-but-longer-and-secret';
  const reg = await app.inject(
    register({ username: 'logwatch', email: 'logwatch@example.com', password: secretPassword }),
  );
  const session = reg.json() as Session;
  await app.inject(login({ login: 'logwatch', password: secretPassword }));
  await app.inject(login({ login: 'logwatch', password: `${secretPassword}-wrong` }));
  await app.inject(login({ login: 'nobody', password: secretPassword }));
  await app.inject(
    register({ username: 'logwatch', email: 'logwatch@example.com', password: secretPassword }),
  );
  await app.inject(register({ username: 'x', email: 'bad', password: secretPassword, extra: 1 }));
  const rotated = (await app.inject(refresh(session.refresh_token))).json() as Session;
  const created = await app.inject({
    method: 'POST',
    url: '/api/v10/applications',
    headers: bearer(rotated.access_token),
    payload: { name: 'logbot' },
  });
  const botToken = created.json().token as string;
  await me(app, { authorization: `Bot ${botToken}` });
  await me(app, { authorization: `Bot ${botToken.slice(0, -2)}xx` });
  await me(app, bearer(`${rotated.access_token}x`));
  await app.inject(logout(rotated));
  await app.inject(refresh(session.refresh_token));

  const text = logText();
  t.ok(text.length > 0, 'the gateway did log');
  for (const [what, secret] of [
    ['password', secretPassword],
    ['access token', session.access_token],
    ['rotated access token', rotated.access_token],
    ['refresh token', session.refresh_token],
    ['rotated refresh token', rotated.refresh_token],
    ['bot token', botToken],
    ['bot token secret part', botToken.split('.')[2] as string],
  ] as const) {
    t.notOk(text.includes(secret), `${what} is not in the log`);
  }
});
