import {
  type ApplicationRecord,
  type BotTokenRecord,
  DriftwayError,
  InvalidStateError,
  type RefreshTokenRecord,
  type Storage,
  type UserRecord,
} from '@driftway/common';
import type { Test } from 'tap';

/**
 * The one contract every storage adapter must pass. Each subtest opens its own storage through
 * `open` (a fresh, empty database) and closes it when done; the caller cleans up what `open` made.
 */
export function runStorageContract(t: Test, open: () => Promise<Storage>): void {
  async function fresh(t: Test): Promise<Storage> {
    const storage = await open();
    t.teardown(() => storage.close());
    return storage;
  }

  // ---------------------------------------------------------------------------------------------
  // Users

  t.test('a created user reads back by id exactly as written', async (t) => {
    const s = await fresh(t);
    const human = aUser({
      globalName: 'Ada L.',
      avatar: 'a1b2c3',
      passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    });
    const bot = aUser({ bot: true, email: null, passwordHash: null });
    await s.users.create(human);
    await s.users.create(bot);
    t.same(await s.users.getById(human.id), human);
    t.same(await s.users.getById(bot.id), bot, 'a bot keeps its null email and password and bot flag');
  });

  t.test('an unknown user id reads as null', async (t) => {
    const s = await fresh(t);
    t.equal(await s.users.getById('404'), null);
  });

  t.test('getMany returns the known users and skips unknown ids', async (t) => {
    const s = await fresh(t);
    const [a, b, c] = [aUser(), aUser(), aUser()];
    for (const u of [a, b, c]) await s.users.create(u);
    const found = await s.users.getMany([c.id, '404', a.id]);
    t.same(sortById(found), sortById([a, c]));
    t.same(await s.users.getMany([]), [], 'no ids, no users');
    t.same(await s.users.getMany(['404', '405']), [], 'only unknown ids, no users');
  });

  t.test('usernames are looked up case-insensitively and returned as written', async (t) => {
    const s = await fresh(t);
    const ascii = aUser({ username: 'MixedCase' });
    const accented = aUser({ username: 'Élodie' });
    await s.users.create(ascii);
    await s.users.create(accented);
    t.same(await s.users.getByUsername('mixedcase'), ascii);
    t.same(await s.users.getByUsername('MIXEDCASE'), ascii);
    t.same(await s.users.getByUsername('éLODIE'), accented, 'case folding is not limited to ASCII');
    t.equal(await s.users.getByUsername('nobody'), null);
  });

  t.test('emails are stored lower-cased and looked up case-insensitively', async (t) => {
    const s = await fresh(t);
    const user = aUser({ email: 'Bob.Smith@Example.COM' });
    await s.users.create(user);
    const stored = { ...user, email: 'bob.smith@example.com' };
    t.same(await s.users.getById(user.id), stored);
    t.same(await s.users.getByEmail('BOB.SMITH@example.com'), stored);
    t.equal(await s.users.getByEmail('nobody@example.com'), null);
  });

  t.test('a username taken in any letter case is a STORE_CONFLICT on username', async (t) => {
    const s = await fresh(t);
    await s.users.create(aUser({ username: 'Taken' }));
    const second = aUser({ username: 'tAKEN' });
    await expectConflict(t, s.users.create(second), 'username');
    t.equal(await s.users.getById(second.id), null, 'nothing was written');
  });

  t.test('an email taken in any letter case is a STORE_CONFLICT on email', async (t) => {
    const s = await fresh(t);
    await s.users.create(aUser({ email: 'same@example.com' }));
    const second = aUser({ email: 'SAME@example.com' });
    await expectConflict(t, s.users.create(second), 'email');
    t.equal(await s.users.getById(second.id), null, 'nothing was written');
  });

  t.test('a reused user id is a STORE_CONFLICT on id', async (t) => {
    const s = await fresh(t);
    const first = aUser();
    await s.users.create(first);
    // Only the id repeats, so the id is the one conflict there is to report.
    await expectConflict(t, s.users.create(aUser({ id: first.id, username: 'fresh', email: null })), 'id');
    t.same(await s.users.getById(first.id), first, 'the first user is untouched');
  });

  t.test('any number of users may have no email', async (t) => {
    const s = await fresh(t);
    const bots = [aUser({ bot: true, email: null }), aUser({ bot: true, email: null })];
    for (const b of bots) await s.users.create(b);
    t.same(sortById(await s.users.getMany(bots.map((b) => b.id))), sortById(bots));
  });

  t.test('update applies only the given fields and returns the updated user', async (t) => {
    const s = await fresh(t);
    const user = aUser({ avatar: 'old' });
    await s.users.create(user);
    const expected = { ...user, globalName: 'New Name', passwordHash: 'scrypt$new' };
    t.same(await s.users.update(user.id, { globalName: 'New Name', passwordHash: 'scrypt$new' }), expected);
    t.same(await s.users.getById(user.id), expected, 'the update persisted');
    t.same(
      await s.users.update(user.id, { avatar: undefined }),
      expected,
      'an undefined field is left alone',
    );
    t.same(await s.users.update(user.id, {}), expected, 'an empty patch returns the user unchanged');
    const cleared = { ...expected, avatar: null };
    t.same(await s.users.update(user.id, { avatar: null }), cleared, 'null clears a nullable field');
    const withEmail = { ...cleared, email: 'changed@example.com' };
    t.same(
      await s.users.update(user.id, { email: 'Changed@Example.com' }),
      withEmail,
      'email is lower-cased',
    );
    t.same(await s.users.getByEmail('CHANGED@example.com'), withEmail);
  });

  t.test('renaming a user moves the case-insensitive lookup to the new name', async (t) => {
    const s = await fresh(t);
    const user = aUser({ username: 'oldname' });
    await s.users.create(user);
    const renamed = await s.users.update(user.id, { username: 'NewName' });
    t.same(renamed, { ...user, username: 'NewName' });
    t.equal(await s.users.getByUsername('oldname'), null, 'the old name no longer finds the user');
    t.same(await s.users.getByUsername('newname'), renamed);
    const recased = await s.users.update(user.id, { username: 'NEWNAME' });
    t.same(recased, { ...user, username: 'NEWNAME' }, 'a user may change the letter case of its own name');
    await s.users.create(aUser({ username: 'OldName' }));
    t.pass('the old name is free for someone else');
  });

  t.test('update to a taken username or email is a STORE_CONFLICT and changes nothing', async (t) => {
    const s = await fresh(t);
    const other = aUser({ username: 'other', email: 'other@example.com' });
    const user = aUser();
    await s.users.create(other);
    await s.users.create(user);
    await expectConflict(t, s.users.update(user.id, { username: 'OTHER', globalName: 'x' }), 'username');
    await expectConflict(t, s.users.update(user.id, { email: 'Other@example.com' }), 'email');
    t.same(await s.users.getById(user.id), user, 'the user is unchanged');
  });

  t.test('update of an unknown user returns null', async (t) => {
    const s = await fresh(t);
    t.equal(await s.users.update('404', { globalName: 'x' }), null);
    t.equal(await s.users.update('404', {}), null);
  });

  t.test('delete removes a user once and frees its username and email', async (t) => {
    const s = await fresh(t);
    const user = aUser({ username: 'leaving', email: 'leaving@example.com' });
    await s.users.create(user);
    t.equal(await s.users.delete(user.id), true);
    t.equal(await s.users.delete(user.id), false, 'a second delete finds nothing');
    t.equal(await s.users.getById(user.id), null);
    t.equal(await s.users.getByUsername('leaving'), null);
    await s.users.create(aUser({ username: 'Leaving', email: 'leaving@example.com' }));
    t.pass('username and email can be taken again');
  });

  // ---------------------------------------------------------------------------------------------
  // Refresh tokens

  t.test('a refresh token reads back by its hash exactly as written', async (t) => {
    const s = await fresh(t);
    const token = aRefreshToken();
    await s.refreshTokens.create(token);
    t.same(await s.refreshTokens.getByHash(token.tokenHash), token);
    t.equal(await s.refreshTokens.getByHash('0'.repeat(64)), null, 'an unknown hash reads as null');
  });

  t.test('a reused refresh token hash is a STORE_CONFLICT on tokenHash', async (t) => {
    const s = await fresh(t);
    const first = aRefreshToken();
    await s.refreshTokens.create(first);
    await expectConflict(
      t,
      s.refreshTokens.create(aRefreshToken({ tokenHash: first.tokenHash })),
      'tokenHash',
    );
  });

  t.test('markUsed succeeds once and records when; a used token cannot be marked again', async (t) => {
    const s = await fresh(t);
    const token = aRefreshToken();
    await s.refreshTokens.create(token);
    t.equal(await s.refreshTokens.markUsed(token.id, 5_000), true);
    t.same(await s.refreshTokens.getByHash(token.tokenHash), { ...token, usedAt: 5_000 });
    t.equal(await s.refreshTokens.markUsed(token.id, 6_000), false, 'the second rotation is a reuse');
    t.equal((await s.refreshTokens.getByHash(token.tokenHash))?.usedAt, 5_000, 'usedAt keeps the first time');
  });

  t.test('markUsed refuses a revoked token and an unknown id', async (t) => {
    const s = await fresh(t);
    const revoked = aRefreshToken({ revokedAt: 1_000 });
    await s.refreshTokens.create(revoked);
    t.equal(await s.refreshTokens.markUsed(revoked.id, 5_000), false);
    t.equal((await s.refreshTokens.getByHash(revoked.tokenHash))?.usedAt, null, 'it stays unused');
    t.equal(await s.refreshTokens.markUsed('404', 5_000), false);
  });

  t.test('of ten concurrent markUsed calls on one token exactly one wins', async (t) => {
    const s = await fresh(t);
    const token = aRefreshToken();
    await s.refreshTokens.create(token);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.refreshTokens.markUsed(token.id, 5_000 + i)),
    );
    t.equal(results.filter(Boolean).length, 1, `results: ${results.join(',')}`);
    const winner = results.indexOf(true);
    t.equal(
      (await s.refreshTokens.getByHash(token.tokenHash))?.usedAt,
      5_000 + winner,
      'the winner wrote usedAt',
    );
  });

  t.test("revokeFamily revokes only that family's live tokens and counts them", async (t) => {
    const s = await fresh(t);
    const live = aRefreshToken({ familyId: 'fam-a' });
    const used = aRefreshToken({ familyId: 'fam-a', usedAt: 1_500 });
    const earlier = aRefreshToken({ familyId: 'fam-a', revokedAt: 1_000 });
    const otherFamily = aRefreshToken({ familyId: 'fam-b', userId: live.userId });
    for (const tok of [live, used, earlier, otherFamily]) await s.refreshTokens.create(tok);
    t.equal(await s.refreshTokens.revokeFamily('fam-a', 9_000), 2, 'the live and the used token');
    t.equal((await s.refreshTokens.getByHash(live.tokenHash))?.revokedAt, 9_000);
    t.equal((await s.refreshTokens.getByHash(used.tokenHash))?.revokedAt, 9_000);
    t.equal(
      (await s.refreshTokens.getByHash(earlier.tokenHash))?.revokedAt,
      1_000,
      'keeps its first revocation',
    );
    t.equal(
      (await s.refreshTokens.getByHash(otherFamily.tokenHash))?.revokedAt,
      null,
      'other family untouched',
    );
    t.equal(await s.refreshTokens.revokeFamily('fam-a', 9_500), 0, 'nothing left to revoke');
    t.equal(await s.refreshTokens.revokeFamily('fam-unknown', 9_500), 0);
  });

  t.test('revokeAllForUser revokes every live token of that user only', async (t) => {
    const s = await fresh(t);
    const mine = [
      aRefreshToken({ userId: 'u1', familyId: 'f1' }),
      aRefreshToken({ userId: 'u1', familyId: 'f2' }),
      aRefreshToken({ userId: 'u1', familyId: 'f3', revokedAt: 1_000 }),
    ];
    const theirs = aRefreshToken({ userId: 'u2', familyId: 'f4' });
    for (const tok of [...mine, theirs]) await s.refreshTokens.create(tok);
    t.equal(await s.refreshTokens.revokeAllForUser('u1', 9_000), 2);
    for (const tok of mine.slice(0, 2)) {
      t.equal((await s.refreshTokens.getByHash(tok.tokenHash))?.revokedAt, 9_000);
    }
    t.equal((await s.refreshTokens.getByHash(mine[2]!.tokenHash))?.revokedAt, 1_000);
    t.equal(
      (await s.refreshTokens.getByHash(theirs.tokenHash))?.revokedAt,
      null,
      'another user is untouched',
    );
    t.equal(await s.refreshTokens.revokeAllForUser('u1', 9_500), 0);
  });

  t.test('deleteExpired removes tokens that expired strictly before the cut-off', async (t) => {
    const s = await fresh(t);
    const [early, atCutoff, late] = [100, 200, 300].map((expiresAt) => aRefreshToken({ expiresAt })) as [
      RefreshTokenRecord,
      RefreshTokenRecord,
      RefreshTokenRecord,
    ];
    for (const tok of [early, atCutoff, late]) await s.refreshTokens.create(tok);
    t.equal(await s.refreshTokens.deleteExpired(200), 1);
    t.equal(await s.refreshTokens.getByHash(early.tokenHash), null);
    t.same(
      await s.refreshTokens.getByHash(atCutoff.tokenHash),
      atCutoff,
      'expiring exactly at the cut-off stays',
    );
    t.same(await s.refreshTokens.getByHash(late.tokenHash), late);
    t.equal(await s.refreshTokens.deleteExpired(200), 0);
  });

  t.test(
    'listRevokedSince lists each family revoked within the window once, newest first, with its latest time',
    async (t) => {
      const s = await fresh(t);
      t.same(await s.refreshTokens.listRevokedSince(0, 10), [], 'nothing revoked, nothing listed');
      const since = 5_000;
      const tokens = [
        // Rotated twice, then revoked through the port: every token gets the one revocation time.
        aRefreshToken({ familyId: 'by-port', usedAt: 1_100 }),
        aRefreshToken({ familyId: 'by-port', usedAt: 1_200 }),
        aRefreshToken({ familyId: 'by-port' }),
        // Tokens revoked at different times (before and within the window): the latest one counts.
        aRefreshToken({ familyId: 'straddling', revokedAt: 4_000 }),
        aRefreshToken({ familyId: 'straddling', revokedAt: 5_200 }),
        aRefreshToken({ familyId: 'recent', revokedAt: 6_000 }),
        aRefreshToken({ familyId: 'at-cutoff', revokedAt: since }),
        aRefreshToken({ familyId: 'too-old', revokedAt: since - 1 }),
        aRefreshToken({ familyId: 'live' }),
        aRefreshToken({ familyId: 'used-not-revoked', usedAt: 6_500 }),
      ];
      for (const tok of tokens) await s.refreshTokens.create(tok);
      t.equal(await s.refreshTokens.revokeFamily('by-port', 7_000), 3);
      t.same(await s.refreshTokens.listRevokedSince(since, 10), [
        { familyId: 'by-port', revokedAt: 7_000 },
        { familyId: 'recent', revokedAt: 6_000 },
        { familyId: 'straddling', revokedAt: 5_200 },
        { familyId: 'at-cutoff', revokedAt: since },
      ]);
      t.same(await s.refreshTokens.listRevokedSince(7_001, 10), [], 'a cut-off after every revocation');
    },
  );

  t.test('listRevokedSince returns at most `limit` families: the most recently revoked', async (t) => {
    const s = await fresh(t);
    for (const n of [1, 2, 3, 4, 5]) {
      await s.refreshTokens.create(aRefreshToken({ familyId: `fam-${n}`, revokedAt: n * 1_000 }));
      await s.refreshTokens.create(aRefreshToken({ familyId: `fam-${n}`, revokedAt: n * 1_000 }));
    }
    // Same time: ties are broken by family id, so the bound cuts the same families on every adapter.
    await s.refreshTokens.create(aRefreshToken({ familyId: 'fam-5b', revokedAt: 5_000 }));
    t.same(await s.refreshTokens.listRevokedSince(0, 3), [
      { familyId: 'fam-5', revokedAt: 5_000 },
      { familyId: 'fam-5b', revokedAt: 5_000 },
      { familyId: 'fam-4', revokedAt: 4_000 },
    ]);
    t.equal((await s.refreshTokens.listRevokedSince(0, 1)).length, 1);
    t.equal((await s.refreshTokens.listRevokedSince(0, 100)).length, 6, 'families, not tokens, are counted');
  });

  // ---------------------------------------------------------------------------------------------
  // Applications

  t.test('an application reads back by id and by bot user id', async (t) => {
    const s = await fresh(t);
    const app = anApplication({ description: 'Plays music' });
    await s.applications.create(app);
    t.same(await s.applications.getById(app.id), app);
    t.same(await s.applications.getByBotUserId(app.botUserId), app);
    t.equal(await s.applications.getById('404'), null);
    t.equal(await s.applications.getByBotUserId('404'), null);
  });

  t.test('applications are listed by owner, oldest first, ties broken by snowflake order', async (t) => {
    const s = await fresh(t);
    // Inserted out of order; '99' < '100' as numbers although not as strings.
    const apps = [
      anApplication({ id: '50', ownerId: 'o1', createdAt: 300 }),
      anApplication({ id: '100', ownerId: 'o1', createdAt: 200 }),
      anApplication({ id: '60', ownerId: 'o1', createdAt: 100 }),
      anApplication({ id: '99', ownerId: 'o1', createdAt: 200 }),
      anApplication({ id: '70', ownerId: 'o2', createdAt: 50 }),
    ];
    for (const a of apps) await s.applications.create(a);
    const listed = await s.applications.listByOwner('o1');
    t.same(
      listed.map((a) => a.id),
      ['60', '99', '100', '50'],
    );
    t.same(listed[0], apps[2], 'whole records are returned');
    t.same(await s.applications.listByOwner('nobody'), []);
  });

  t.test('update changes name and description only as given', async (t) => {
    const s = await fresh(t);
    const app = anApplication({ name: 'Old', description: 'old text' });
    await s.applications.create(app);
    t.same(await s.applications.update(app.id, { name: 'New' }), { ...app, name: 'New' });
    t.same(await s.applications.update(app.id, { description: '' }), {
      ...app,
      name: 'New',
      description: '',
    });
    t.same(await s.applications.update(app.id, {}), { ...app, name: 'New', description: '' }, 'empty patch');
    t.same(await s.applications.getById(app.id), { ...app, name: 'New', description: '' }, 'persisted');
    t.equal(await s.applications.update('404', { name: 'x' }), null, 'an unknown application is null');
  });

  t.test('a second application for the same bot user or with the same id is a STORE_CONFLICT', async (t) => {
    const s = await fresh(t);
    const app = anApplication();
    await s.applications.create(app);
    await expectConflict(t, s.applications.create(anApplication({ botUserId: app.botUserId })), 'botUserId');
    await expectConflict(t, s.applications.create(anApplication({ id: app.id, botUserId: 'fresh' })), 'id');
  });

  t.test('delete removes an application once', async (t) => {
    const s = await fresh(t);
    const app = anApplication();
    await s.applications.create(app);
    t.equal(await s.applications.delete(app.id), true);
    t.equal(await s.applications.delete(app.id), false);
    t.equal(await s.applications.getById(app.id), null);
    t.equal(await s.applications.getByBotUserId(app.botUserId), null);
  });

  // ---------------------------------------------------------------------------------------------
  // Bot tokens

  t.test('a bot token reads back by hash and by id with its scopes', async (t) => {
    const s = await fresh(t);
    const scoped = aBotToken({ scopes: ['messages.read', 'messages.write', 'voice.connect'] });
    const unscoped = aBotToken({ scopes: [] });
    await s.botTokens.create(scoped);
    await s.botTokens.create(unscoped);
    t.same(await s.botTokens.getByHash(scoped.tokenHash), scoped);
    t.same(await s.botTokens.getById(scoped.id), scoped);
    t.same(await s.botTokens.getById(unscoped.id), unscoped, 'an empty scope list survives');
    t.equal(await s.botTokens.getByHash('f'.repeat(64)), null);
    t.equal(await s.botTokens.getById('404'), null);
  });

  t.test('a reused bot token hash is a STORE_CONFLICT on tokenHash', async (t) => {
    const s = await fresh(t);
    const first = aBotToken();
    await s.botTokens.create(first);
    await expectConflict(t, s.botTokens.create(aBotToken({ tokenHash: first.tokenHash })), 'tokenHash');
  });

  t.test("an application's bot tokens are listed oldest first, revoked ones included", async (t) => {
    const s = await fresh(t);
    const tokens = [
      aBotToken({ id: '30', applicationId: 'app1', createdAt: 200 }),
      aBotToken({ id: '1000', applicationId: 'app1', createdAt: 100, revokedAt: 150 }),
      aBotToken({ id: '999', applicationId: 'app1', createdAt: 100 }),
      aBotToken({ id: '20', applicationId: 'app2', createdAt: 50 }),
    ];
    for (const tok of tokens) await s.botTokens.create(tok);
    const listed = await s.botTokens.listByApplication('app1');
    t.same(
      listed.map((tok) => tok.id),
      ['999', '1000', '30'],
    );
    t.same(listed[1], tokens[1], 'the revoked token is listed with its revocation time');
    t.same(await s.botTokens.listByApplication('nothing'), []);
  });

  t.test('revoke succeeds once and a revoked token stays readable with its revocation time', async (t) => {
    const s = await fresh(t);
    const token = aBotToken();
    await s.botTokens.create(token);
    t.equal(await s.botTokens.revoke(token.id, 7_000), true);
    t.equal(await s.botTokens.revoke(token.id, 8_000), false, 'the second revoke finds no live token');
    t.same(await s.botTokens.getByHash(token.tokenHash), { ...token, revokedAt: 7_000 });
    t.equal(await s.botTokens.revoke('404', 8_000), false);
  });

  t.test('revokeAllForApplication revokes and returns only the live tokens, oldest first', async (t) => {
    const s = await fresh(t);
    const older = aBotToken({ applicationId: 'app1', createdAt: 100 });
    const newer = aBotToken({ applicationId: 'app1', createdAt: 200 });
    const dead = aBotToken({ applicationId: 'app1', createdAt: 50, revokedAt: 60 });
    const otherApp = aBotToken({ applicationId: 'app2', createdAt: 100 });
    for (const tok of [newer, dead, older, otherApp]) await s.botTokens.create(tok);
    t.same(await s.botTokens.revokeAllForApplication('app1', 9_000), [older.id, newer.id]);
    t.equal((await s.botTokens.getById(older.id))?.revokedAt, 9_000);
    t.equal((await s.botTokens.getById(newer.id))?.revokedAt, 9_000);
    t.equal((await s.botTokens.getById(dead.id))?.revokedAt, 60, 'an already revoked token keeps its time');
    t.equal((await s.botTokens.getById(otherApp.id))?.revokedAt, null, 'another application is untouched');
    t.same(await s.botTokens.revokeAllForApplication('app1', 9_500), [], 'nothing live is left');
  });

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  t.test('ping answers while the storage is open', async (t) => {
    const s = await fresh(t);
    await t.resolves(s.ping());
  });

  t.test('close can be called more than once', async (t) => {
    const s = await open();
    await s.close();
    await t.resolves(s.close());
  });

  t.test('after close every method rejects with an InvalidStateError naming it', async (t) => {
    const s = await open();
    await s.close();
    const calls: Record<string, () => Promise<unknown>> = {
      'users.create': () => s.users.create(aUser()),
      'users.getById': () => s.users.getById('1'),
      'users.getMany': () => s.users.getMany(['1']),
      'users.getByEmail': () => s.users.getByEmail('a@example.com'),
      'users.getByUsername': () => s.users.getByUsername('a'),
      'users.update': () => s.users.update('1', { avatar: null }),
      'users.delete': () => s.users.delete('1'),
      'refreshTokens.create': () => s.refreshTokens.create(aRefreshToken()),
      'refreshTokens.getByHash': () => s.refreshTokens.getByHash('x'),
      'refreshTokens.listRevokedSince': () => s.refreshTokens.listRevokedSince(0, 1),
      'refreshTokens.markUsed': () => s.refreshTokens.markUsed('1', 1),
      'refreshTokens.revokeFamily': () => s.refreshTokens.revokeFamily('f', 1),
      'refreshTokens.revokeAllForUser': () => s.refreshTokens.revokeAllForUser('u', 1),
      'refreshTokens.deleteExpired': () => s.refreshTokens.deleteExpired(1),
      'applications.create': () => s.applications.create(anApplication()),
      'applications.getById': () => s.applications.getById('1'),
      'applications.getByBotUserId': () => s.applications.getByBotUserId('1'),
      'applications.listByOwner': () => s.applications.listByOwner('1'),
      'applications.update': () => s.applications.update('1', { name: 'x' }),
      'applications.delete': () => s.applications.delete('1'),
      'botTokens.create': () => s.botTokens.create(aBotToken()),
      'botTokens.getByHash': () => s.botTokens.getByHash('x'),
      'botTokens.getById': () => s.botTokens.getById('1'),
      'botTokens.listByApplication': () => s.botTokens.listByApplication('1'),
      'botTokens.revoke': () => s.botTokens.revoke('1', 1),
      'botTokens.revokeAllForApplication': () => s.botTokens.revokeAllForApplication('1', 1),
      ping: () => s.ping(),
    };
    // The list above must name every public method, so a method added to a port cannot skip this.
    const methods = ['users', 'refreshTokens', 'applications', 'botTokens'].flatMap((store) =>
      publicMethods(s[store as keyof Storage]).map((m) => `${store}.${m}`),
    );
    t.same(
      [...methods, ...publicMethods(s).filter((m) => m !== 'close')].sort(),
      Object.keys(calls).sort(),
      'every method is exercised',
    );
    for (const [name, call] of Object.entries(calls)) {
      await t.rejects(
        call(),
        { name: 'InvalidStateError', method: name, message: new RegExp(`${name}\\(\\)`) },
        name,
      );
    }
    const err = await s.ping().catch((e: unknown) => e);
    t.ok(err instanceof InvalidStateError, 'the rejection is an InvalidStateError instance');
  });
}

/** Expects `attempt` to reject with STORE_CONFLICT about `what`, wrapping the driver error. */
async function expectConflict(t: Test, attempt: Promise<unknown>, what: string): Promise<void> {
  const err = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof DriftwayError, `a conflict on ${what} rejects with a DriftwayError`);
  t.match(
    err,
    { key: 'STORE_CONFLICT', status: 409, code: 90903, params: { what } },
    `the conflict names ${what}`,
  );
  t.ok((err as Error | null)?.cause instanceof Error, 'the driver error is kept as cause');
}

function publicMethods(target: unknown): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter(
    (name) => name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function',
  );
}

function sortById<T extends { id: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

let sequence = 0;
/** Ids unique across the whole run, so records of different subtests never collide by accident. */
function nextId(): string {
  sequence += 1;
  return String(1_000_000 + sequence);
}

function aUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = overrides.id ?? nextId();
  return {
    id,
    username: `user${id}`,
    globalName: null,
    email: `user${id}@example.com`,
    passwordHash: 'scrypt$16384$8$1$salt$hash',
    bot: false,
    avatar: null,
    createdAt: 1_767_225_600_000,
    ...overrides,
  };
}

function aRefreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const id = overrides.id ?? nextId();
  return {
    id,
    familyId: `family${id}`,
    userId: `owner${id}`,
    tokenHash: id.padStart(64, 'a'),
    createdAt: 1_000,
    expiresAt: 1_000_000,
    usedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function anApplication(overrides: Partial<ApplicationRecord> = {}): ApplicationRecord {
  const id = overrides.id ?? nextId();
  return {
    id,
    ownerId: `owner${id}`,
    name: `App ${id}`,
    description: '',
    botUserId: `bot${id}`,
    createdAt: 1_000,
    ...overrides,
  };
}

function aBotToken(overrides: Partial<BotTokenRecord> = {}): BotTokenRecord {
  const id = overrides.id ?? nextId();
  return {
    id,
    applicationId: `app${id}`,
    botUserId: `bot${id}`,
    tokenHash: id.padStart(64, 'b'),
    scopes: ['messages.read'],
    createdAt: 1_000,
    revokedAt: null,
    ...overrides,
  };
}
