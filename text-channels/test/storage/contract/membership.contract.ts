import type { Test } from 'tap';
import {
  aBan,
  aGuild,
  aMember,
  anInvite,
  expectConflict,
  fresh,
  nextId,
  type OpenTextStorage,
  T0,
} from './fixtures.js';

/** Members, bans and invites. */
export function membershipContract(t: Test, open: OpenTextStorage): void {
  // ---------------------------------------------------------------------------------------------
  // Members

  t.test('an added member reads back exactly and a second add is a STORE_CONFLICT on member', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const member = aMember(guild.id, {
      nick: 'Ada',
      roleIds: [nextId(), nextId()],
      communicationDisabledUntil: 9,
      mute: true,
      deaf: false,
    });
    await s.members.add(member);
    t.same(await s.members.get(guild.id, member.userId), member);
    t.equal(await s.members.get(nextId(), member.userId), null, 'not a member of another guild');
    await expectConflict(t, s.members.add({ ...member, nick: 'again' }), 'member');
    t.same(await s.members.get(guild.id, member.userId), member, 'the first membership is untouched');
  });

  t.test('members are listed by user id as a number, paged with after and limit', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const userIds = ['5', '40', '300', '2000', '10000'];
    for (const userId of [...userIds].reverse()) await s.members.add(aMember(guild.id, { userId }));
    await s.members.add(aMember(nextId(), { userId: '7' }));
    const all = await s.members.list(guild.id, { limit: 100 });
    t.same(
      all.map((m) => m.userId),
      userIds,
    );
    t.same(
      (await s.members.list(guild.id, { limit: 2 })).map((m) => m.userId),
      ['5', '40'],
    );
    t.same(
      (await s.members.list(guild.id, { after: '40', limit: 2 })).map((m) => m.userId),
      ['300', '2000'],
    );
    t.same(
      (await s.members.list(guild.id, { after: '99', limit: 100 })).map((m) => m.userId),
      ['300', '2000', '10000'],
      'after need not be a member',
    );
    t.same(await s.members.list(guild.id, { after: '10000', limit: 100 }), []);
  });

  t.test('members.getMany, listGuildIdsForUser and count see exactly the memberships', async (t) => {
    const s = await fresh(t, open);
    const [g1, g2, g3] = [aGuild(), aGuild(), aGuild()];
    const user = nextId();
    const a = aMember(g1.id, { userId: user });
    const b = aMember(g1.id);
    await s.members.add(a);
    await s.members.add(b);
    await s.members.add(aMember(g2.id, { userId: user }));
    t.same(
      (await s.members.getMany(g1.id, [b.userId, nextId(), a.userId, 'x'])).map((m) => m.userId).sort(),
      [a.userId, b.userId].sort(),
    );
    t.same(await s.members.getMany(g1.id, []), []);
    t.same((await s.members.listGuildIdsForUser(user)).sort(), [g1.id, g2.id].sort());
    t.same(await s.members.listGuildIdsForUser(nextId()), []);
    t.equal(await s.members.count(g1.id), 2);
    t.equal(await s.members.count(g3.id), 0);
  });

  t.test('members.update changes nick, roles and timeout and answers null when unknown', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const member = aMember(guild.id, { nick: 'old' });
    await s.members.add(member);
    const roleIds = [nextId()];
    const expected = { ...member, nick: null, roleIds, communicationDisabledUntil: T0 + 60_000 };
    t.same(
      await s.members.update(guild.id, member.userId, {
        nick: null,
        roleIds,
        communicationDisabledUntil: T0 + 60_000,
      }),
      expected,
    );
    t.same(await s.members.get(guild.id, member.userId), expected);
    t.equal(await s.members.update(guild.id, nextId(), { nick: 'x' }), null);
  });

  t.test('a new member is neither server-muted nor deafened until a patch says so', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const member = aMember(guild.id, { nick: 'Ada', roleIds: [nextId()], communicationDisabledUntil: T0 });
    await s.members.add(member);
    t.match(await s.members.get(guild.id, member.userId), { mute: false, deaf: false });

    const muted = { ...member, mute: true };
    t.same(await s.members.update(guild.id, member.userId, { mute: true }), muted, 'other fields untouched');
    t.same(await s.members.get(guild.id, member.userId), muted);
    t.same((await s.members.list(guild.id, { limit: 10 }))[0], muted, 'list reads them too');
    t.same((await s.members.getMany(guild.id, [member.userId]))[0], muted, 'getMany reads them too');

    const both = { ...muted, deaf: true };
    t.same(await s.members.update(guild.id, member.userId, { deaf: true }), both);
    const renamed = { ...both, nick: 'Bea' };
    t.same(
      await s.members.update(guild.id, member.userId, { nick: 'Bea' }),
      renamed,
      'a nick patch keeps them',
    );
    const unmuted = { ...renamed, mute: false };
    t.same(await s.members.update(guild.id, member.userId, { mute: false }), unmuted);
    t.same(await s.members.get(guild.id, member.userId), unmuted, 'unmuted, still deafened');
  });

  t.test('members.remove ends a membership once', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const member = aMember(guild.id);
    await s.members.add(member);
    t.equal(await s.members.remove(guild.id, member.userId), true);
    t.equal(await s.members.get(guild.id, member.userId), null);
    t.equal(await s.members.remove(guild.id, member.userId), false);
    t.equal(await s.members.count(guild.id), 0);
    await s.members.add(member);
    t.same(await s.members.get(guild.id, member.userId), member, 'the user may join again');
  });

  // ---------------------------------------------------------------------------------------------
  // Bans

  t.test('a ban reads back, and putting it again replaces the reason', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const ban = aBan(guild.id, { reason: 'spam' });
    await s.bans.put(ban);
    t.same(await s.bans.get(guild.id, ban.userId), ban);
    const again = { ...ban, reason: 'more spam', createdAt: T0 + 1 };
    await s.bans.put(again);
    t.same(await s.bans.get(guild.id, ban.userId), again);
    t.equal(await s.bans.get(nextId(), ban.userId), null);
    t.equal((await s.bans.list(guild.id, { limit: 10 })).length, 1, 'still one ban');
  });

  t.test('bans are listed by user id as a number, paged with after and limit', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    for (const userId of ['1000', '20', '300']) await s.bans.put(aBan(guild.id, { userId }));
    t.same(
      (await s.bans.list(guild.id, { limit: 10 })).map((b) => b.userId),
      ['20', '300', '1000'],
    );
    t.same(
      (await s.bans.list(guild.id, { after: '20', limit: 1 })).map((b) => b.userId),
      ['300'],
    );
  });

  t.test('bans.delete lifts a ban once', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const ban = aBan(guild.id);
    await s.bans.put(ban);
    t.equal(await s.bans.delete(guild.id, ban.userId), true);
    t.equal(await s.bans.get(guild.id, ban.userId), null);
    t.equal(await s.bans.delete(guild.id, ban.userId), false);
  });

  // ---------------------------------------------------------------------------------------------
  // Invites

  t.test(
    'an invite reads back by its case-sensitive code and a clash is a STORE_CONFLICT on code',
    async (t) => {
      const s = await fresh(t, open);
      const guild = aGuild();
      const invite = anInvite(guild.id, nextId(), {
        code: 'AbCdEf',
        maxAge: 3600,
        maxUses: 5,
        temporary: true,
        expiresAt: T0 + 3_600_000,
      });
      await s.invites.create(invite);
      t.same(await s.invites.get('AbCdEf'), invite);
      t.equal(await s.invites.get('abcdef'), null, 'codes are case-sensitive');
      await expectConflict(t, s.invites.create({ ...invite, guildId: nextId() }), 'code');
    },
  );

  t.test('invites are listed per guild and per channel, oldest first', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const [c1, c2] = [nextId(), nextId()];
    const newer = anInvite(guild.id, c1, { createdAt: T0 + 3 });
    const older = anInvite(guild.id, c2, { createdAt: T0 + 1 });
    const middle = anInvite(guild.id, c1, { createdAt: T0 + 2 });
    for (const i of [newer, older, middle]) await s.invites.create(i);
    await s.invites.create(anInvite(nextId(), nextId()));
    t.same(
      (await s.invites.listByGuild(guild.id)).map((i) => i.code),
      [older.code, middle.code, newer.code],
    );
    t.same(
      (await s.invites.listByChannel(c1)).map((i) => i.code),
      [middle.code, newer.code],
    );
  });

  t.test('using an invite counts one use until maxUses, and 0 means unlimited', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const limited = anInvite(guild.id, nextId(), { maxUses: 2 });
    const unlimited = anInvite(guild.id, nextId(), { maxUses: 0 });
    await s.invites.create(limited);
    await s.invites.create(unlimited);
    t.same(await s.invites.use(limited.code, T0), { ...limited, uses: 1 });
    t.same(await s.invites.use(limited.code, T0), { ...limited, uses: 2 });
    t.equal(await s.invites.use(limited.code, T0), null, 'no uses left');
    t.equal((await s.invites.get(limited.code))?.uses, 2, 'a refused use counts nothing');
    for (let i = 0; i < 5; i++) await s.invites.use(unlimited.code, T0);
    t.equal((await s.invites.get(unlimited.code))?.uses, 5);
    t.equal(await s.invites.use('nope', T0), null);
  });

  t.test('an expired invite is refused and its use not counted', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const invite = anInvite(guild.id, nextId(), { maxAge: 60, expiresAt: T0 + 60_000 });
    await s.invites.create(invite);
    t.equal(await s.invites.use(invite.code, T0 + 60_000), null, 'refused at the expiry instant');
    t.equal(await s.invites.use(invite.code, T0 + 120_000), null);
    t.equal((await s.invites.get(invite.code))?.uses, 0);
    t.same(await s.invites.use(invite.code, T0 + 59_999), { ...invite, uses: 1 }, 'fine just before');
  });

  t.test('ten concurrent uses of a single-use invite let exactly one through', async (t) => {
    const s = await fresh(t, open);
    const invite = anInvite(nextId(), nextId(), { maxUses: 1 });
    await s.invites.create(invite);
    const results = await Promise.all(Array.from({ length: 10 }, () => s.invites.use(invite.code, T0)));
    t.equal(results.filter((r) => r !== null).length, 1);
    t.equal((await s.invites.get(invite.code))?.uses, 1);
  });

  t.test('invites.delete revokes an invite once', async (t) => {
    const s = await fresh(t, open);
    const invite = anInvite(nextId(), nextId());
    await s.invites.create(invite);
    t.equal(await s.invites.delete(invite.code), true);
    t.equal(await s.invites.get(invite.code), null);
    t.equal(await s.invites.use(invite.code, T0), null);
    t.equal(await s.invites.delete(invite.code), false);
  });
}
