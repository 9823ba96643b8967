import { BOT_SCOPES } from '@driftway/common';
import t from 'tap';
import {
  bearer,
  bot,
  createApplication,
  me,
  outcome,
  registerUser,
  startAuthGateway,
} from './helpers/authGateway.js';

const BOT_TOKEN = /^[\w-]+\.[\w-]{6}\.[\w-]{43}$/;

t.test(
  'creating an application returns a bot user and a token, shown once, that works on /users/@me',
  async (t) => {
    const { app, storage } = await startAuthGateway(t);
    const owner = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v10/applications',
      headers: bearer(owner.access_token),
      payload: { name: 'Weather Bot', description: 'Tells the weather' },
    });
    t.equal(res.statusCode, 201);
    t.equal(res.headers['cache-control'], 'no-store');
    const created = res.json();
    t.match(created, {
      id: /^\d+$/,
      name: 'Weather Bot',
      description: 'Tells the weather',
      bot: { username: 'Weather_Bot', global_name: 'Weather Bot', bot: true, discriminator: '0' },
      owner: { id: owner.user.id },
      token: BOT_TOKEN,
      scopes: [...BOT_SCOPES],
    });
    t.equal(created.bot.id, created.id, 'application and bot user share an id, as on Discord');
    t.equal(
      Buffer.from(created.token.split('.')[0], 'base64url').toString(),
      created.bot.id,
      'the first part of the token names the bot',
    );

    const who = await me(app, bot(created.token));
    t.equal(who.statusCode, 200);
    t.match(who.json(), { id: created.bot.id, username: 'Weather_Bot', bot: true });
    t.notOk('email' in who.json(), 'bots have no email');

    const stored = await storage.botTokens.listByApplication(created.id);
    t.equal(stored.length, 1);
    t.not(stored[0]?.tokenHash, created.token, 'only a hash is stored');
    t.notOk(JSON.stringify(stored).includes(created.token.split('.')[2]), 'the secret is nowhere in the row');

    const listed = await app.inject({
      url: `/api/v10/applications/${created.id}`,
      headers: bearer(owner.access_token),
    });
    t.equal(listed.statusCode, 200);
    t.notOk('token' in listed.json(), 'the token is not shown again');
  },
);

t.test('a bot reads its own application through /applications/@me; a user has none', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner, { name: 'selfaware' });
  const res = await app.inject({ url: '/api/v10/applications/@me', headers: bot(created.token) });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    id: created.id,
    name: 'selfaware',
    bot_public: false,
    bot: { id: created.id, bot: true },
    owner: { id: owner.user.id },
  });
  const asUser = await app.inject({ url: '/api/v10/applications/@me', headers: bearer(owner.access_token) });
  t.same(outcome(asUser), { status: 404, code: 10002 });
});

t.test(
  'names that are taken or outside the username charset still give a valid, unique bot username',
  async (t) => {
    const { app } = await startAuthGateway(t);
    const owner = await registerUser(app, 'helper');
    const a = await createApplication(app, owner, { name: 'Crème Brûlée!' });
    const b = await createApplication(app, owner, { name: 'Crème Brûlée!' });
    const c = await createApplication(app, owner, { name: 'helper' });
    t.equal(a.bot.username, 'Creme_Brulee');
    t.match(b.bot.username, /^Creme_Brulee_\d{4}$/);
    t.match(c.bot.username, /^helper_\d{4}$/, 'never collides with a user');
    for (const u of [a, b, c]) t.match(u.bot.username, /^[A-Za-z0-9_.]{2,32}$/);
  },
);

t.test('a user lists only their applications and cannot see or touch anyone else’s', async (t) => {
  const { app } = await startAuthGateway(t);
  const alice = await registerUser(app);
  const mallory = await registerUser(app);
  const mine = await createApplication(app, alice, { name: 'alice bot' });
  await createApplication(app, mallory, { name: 'mallory bot' });

  const list = await app.inject({ url: '/api/v10/applications', headers: bearer(alice.access_token) });
  t.same(
    list.json().map((a: { name: string }) => a.name),
    ['alice bot'],
  );

  const missing = await app.inject({
    url: '/api/v10/applications/1234567890',
    headers: bearer(mallory.access_token),
  });
  t.same(outcome(missing), { status: 404, code: 10002 });
  const attempts = [
    { method: 'GET' as const, url: `/api/v10/applications/${mine.id}` },
    { method: 'GET' as const, url: `/api/v10/applications/${mine.id}/tokens` },
    {
      method: 'POST' as const,
      url: `/api/v10/applications/${mine.id}/tokens`,
      payload: { scopes: ['identify'] },
    },
    { method: 'DELETE' as const, url: `/api/v10/applications/${mine.id}/tokens/${mine.token_id}` },
    { method: 'POST' as const, url: `/api/v10/applications/${mine.id}/bot/reset` },
    { method: 'DELETE' as const, url: `/api/v10/applications/${mine.id}` },
  ];
  for (const attempt of attempts) {
    const res = await app.inject({ ...attempt, headers: bearer(mallory.access_token) });
    t.equal(res.statusCode, 404, `${attempt.method} ${attempt.url}`);
    t.equal(res.body, missing.body, 'answers exactly as for an application that does not exist');
  }
  t.equal((await me(app, bot(mine.token))).statusCode, 200, 'the bot is untouched');
});

t.test('bots cannot manage applications', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner);
  const attempts = [
    { method: 'POST' as const, url: '/api/v10/applications', payload: { name: 'child bot' } },
    { method: 'GET' as const, url: '/api/v10/applications' },
    { method: 'GET' as const, url: `/api/v10/applications/${created.id}` },
    { method: 'POST' as const, url: `/api/v10/applications/${created.id}/bot/reset` },
    { method: 'DELETE' as const, url: `/api/v10/applications/${created.id}/tokens/${created.token_id}` },
  ];
  for (const attempt of attempts) {
    const res = await app.inject({ ...attempt, headers: bot(created.token) });
    t.same(outcome(res), { status: 403, code: 90017 }, `${attempt.method} ${attempt.url}`);
  }
  t.equal((await me(app, bot(created.token))).statusCode, 200, 'its token was not reset');
});

t.test('token scopes are enforced: a key without identify gets 403 BOT_MISSING_SCOPE on @me', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner, { name: 'scoped', scopes: ['messages.read'] });
  t.same(created.scopes, ['messages.read']);
  const res = await me(app, bot(created.token));
  t.same(outcome(res), { status: 403, code: 90020 });
  t.match(res.json().message, /identify/);
  t.same(outcome(await app.inject({ url: '/api/v10/applications/@me', headers: bot(created.token) })), {
    status: 403,
    code: 90020,
  });

  const extra = await app.inject({
    method: 'POST',
    url: `/api/v10/applications/${created.id}/tokens`,
    headers: bearer(owner.access_token),
    payload: { scopes: ['identify', 'messages.write'] },
  });
  t.equal(extra.statusCode, 201);
  t.match(extra.json(), { token: BOT_TOKEN, scopes: ['identify', 'messages.write'], revoked: false });
  t.equal((await me(app, bot(extra.json().token))).statusCode, 200, 'the second key has identify');
  t.same(outcome(await me(app, bot(created.token))), { status: 403, code: 90020 }, 'the first still has not');

  const badScopes = [['admin'], [], ['identify', 'identify'], 'identify'];
  for (const scopes of badScopes) {
    const bad = await app.inject({
      method: 'POST',
      url: `/api/v10/applications/${created.id}/tokens`,
      headers: bearer(owner.access_token),
      payload: { scopes },
    });
    t.same(outcome(bad), { status: 400, code: 50035 }, `scopes ${JSON.stringify(scopes)}`);
    t.ok(bad.json().errors.scopes, 'the error names the field');
  }
});

t.test(
  'the token list shows metadata only, and a revoked key is refused while the others live',
  async (t) => {
    const { app } = await startAuthGateway(t);
    const owner = await registerUser(app);
    const created = await createApplication(app, owner);
    const second = (
      await app.inject({
        method: 'POST',
        url: `/api/v10/applications/${created.id}/tokens`,
        headers: bearer(owner.access_token),
        payload: { scopes: ['identify'] },
      })
    ).json();
    t.equal((await me(app, bot(created.token))).statusCode, 200, 'cached before the revocation');

    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v10/applications/${created.id}/tokens/${created.token_id}`,
      headers: bearer(owner.access_token),
    });
    t.equal(revoke.statusCode, 204);
    t.same(outcome(await me(app, bot(created.token))), { status: 401, code: 90016 });
    t.equal((await me(app, bot(second.token))).statusCode, 200);

    const list = await app.inject({
      url: `/api/v10/applications/${created.id}/tokens`,
      headers: bearer(owner.access_token),
    });
    t.equal(list.statusCode, 200);
    const tokens = list.json() as Record<string, unknown>[];
    t.same(
      tokens.map((k) => [k.id, k.revoked]),
      [
        [created.token_id, true],
        [second.id, false],
      ],
    );
    for (const k of tokens)
      t.same(Object.keys(k).sort(), ['created_at', 'id', 'revoked', 'revoked_at', 'scopes']);
    t.notOk(list.body.includes(created.token) || list.body.includes(second.token));

    const again = await app.inject({
      method: 'DELETE',
      url: `/api/v10/applications/${created.id}/tokens/${created.token_id}`,
      headers: bearer(owner.access_token),
    });
    t.equal(again.statusCode, 204, 'revoking twice is harmless');
    const unknown = await app.inject({
      method: 'DELETE',
      url: `/api/v10/applications/${created.id}/tokens/999999`,
      headers: bearer(owner.access_token),
    });
    t.same(outcome(unknown), { status: 404, code: 90021 });
  },
);

t.test('resetting the bot token refuses every previous key and returns one new key', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner, {
    name: 'resetme',
    scopes: ['identify', 'messages.read'],
  });
  t.equal((await me(app, bot(created.token))).statusCode, 200);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v10/applications/${created.id}/bot/reset`,
    headers: bearer(owner.access_token),
  });
  t.equal(res.statusCode, 200);
  const reset = res.json();
  t.match(reset, { token: BOT_TOKEN, scopes: ['identify', 'messages.read'], revoked: false });
  t.not(reset.token, created.token);
  t.same(outcome(await me(app, bot(created.token))), { status: 401, code: 90016 }, 'the old key is refused');
  t.equal((await me(app, bot(reset.token))).statusCode, 200, 'the new key works');
});

t.test('deleting an application revokes its keys', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner);
  t.equal((await me(app, bot(created.token))).statusCode, 200);
  const res = await app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${created.id}`,
    headers: bearer(owner.access_token),
  });
  t.equal(res.statusCode, 204);
  t.same(outcome(await me(app, bot(created.token))), { status: 401, code: 90016 });
  const gone = await app.inject({
    url: `/api/v10/applications/${created.id}`,
    headers: bearer(owner.access_token),
  });
  t.same(outcome(gone), { status: 404, code: 10002 });
});

t.test('unknown, malformed and mis-schemed bot tokens get 401 with stable codes', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner);
  const [id, ts] = created.token.split('.');
  t.same(
    outcome(await me(app, bot(`${id}.${ts}.${'A'.repeat(43)}`))),
    { status: 401, code: 90018 },
    'unknown',
  );
  t.same(outcome(await me(app, bot('garbage'))), { status: 401, code: 90018 }, 'malformed');
  t.same(outcome(await me(app, bearer(created.token))), { status: 401, code: 90018 }, 'bot token as Bearer');
  t.same(outcome(await me(app, bot(owner.access_token))), { status: 401, code: 90018 }, 'JWT as Bot');
  t.same(outcome(await me(app, { authorization: created.token })), { status: 401, code: 40001 }, 'no scheme');
});

t.test('application bodies are validated like every other', async (t) => {
  const { app } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const cases: [Record<string, unknown>, string, string][] = [
    [{}, 'name', 'BASE_TYPE_REQUIRED'],
    [{ name: 'x' }, 'name', 'BASE_TYPE_MIN_LENGTH'],
    [{ name: 'ok name', description: 'd'.repeat(401) }, 'description', 'BASE_TYPE_MAX_LENGTH'],
    [{ name: 'ok name', owner_id: '1' }, 'owner_id', 'UNKNOWN_FIELD'],
    [{ name: 7 }, 'name', 'BASE_TYPE_BAD_TYPE'],
  ];
  for (const [payload, field, code] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v10/applications',
      headers: bearer(owner.access_token),
      payload,
    });
    t.equal(res.json().code, 50035, JSON.stringify(payload));
    t.equal(res.json().errors?.[field]?._errors?.[0]?.code, code, JSON.stringify(payload));
  }
  const badId = await app.inject({
    url: '/api/v10/applications/not-a-snowflake',
    headers: bearer(owner.access_token),
  });
  t.same(outcome(badId), { status: 400, code: 50035 });
});

t.test('a bot token that cannot be checked because the database is down gets 503, not 401', async (t) => {
  const { app, storage } = await startAuthGateway(t);
  const owner = await registerUser(app);
  const created = await createApplication(app, owner);
  await storage.close();
  const res = await me(app, bot(created.token));
  t.same(outcome(res), { status: 503, code: 90904 });
});
