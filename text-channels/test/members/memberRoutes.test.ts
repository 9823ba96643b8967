import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test('members are listed and fetched by members only, with Discord’s member shape', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);

  const one = await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members`);
  t.equal(one.status, 200);
  t.equal(one.body.length, 1, 'Discord’s default limit is 1');
  const all = await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members?limit=1000`);
  t.same(all.body.map((m: { user: { id: string } }) => m.user.id).sort(), [alice.id, bob.id].sort());
  const after = await h.request(
    bob,
    'GET',
    `/api/v10/guilds/${g.id}/members?limit=10&after=${all.body[0].user.id}`,
  );
  t.same(
    after.body.map((m: { user: { id: string } }) => m.user.id),
    [all.body[1].user.id],
  );
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members?limit=1001`)).body.code, 50035);
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members?limit=abc`)).body.code, 50035);
  t.equal((await h.request(carol, 'GET', `/api/v10/guilds/${g.id}/members`)).body.code, 50001);

  const member = (await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members/${alice.id}`)).body;
  t.equal(member.user.id, alice.id);
  t.equal(member.user.username, 'alice');
  t.equal(member.user.discriminator, '0');
  t.equal(member.nick, null);
  t.same(member.roles, []);
  t.ok(!Number.isNaN(Date.parse(member.joined_at)));
  t.equal(member.deaf, false);
  t.equal(member.mute, false);
  t.equal(member.communication_disabled_until, null);
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/members/${carol.id}`)).body.code, 10007);
});

t.test('nicknames: your own with CHANGE_NICKNAME, others’ with MANAGE_NICKNAMES', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  await join(h, g, alice, carol);

  const before = h.events.length;
  const me = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/@me`, { nick: 'Bobby' });
  t.equal(me.status, 200);
  t.equal(me.body.nick, 'Bobby');
  const update = eventsSince(h, before, 'GUILD_MEMBER_UPDATE');
  t.equal(update.length, 1);
  t.equal(update[0]?.intent, Intents.GUILD_MEMBERS);
  t.equal(update[0]?.d['guild_id'], g.id);
  t.equal(update[0]?.d['nick'], 'Bobby');
  t.notOk(update[0]?.affectsPermissions, 'a nickname changes no access');
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, { nick: '' })).body.nick,
    null,
  );
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/@me`, { nick: 'x'.repeat(33) })).body
      .code,
    50035,
  );
  const others = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
    nick: 'Caz',
  });
  t.equal(others.body.code, 50013);

  // Without CHANGE_NICKNAME on @everyone, even your own is refused.
  await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${g.id}`, {
    permissions: perms(P.VIEW_CHANNEL),
  });
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/@me`, { nick: 'B' })).body.code,
    50013,
  );

  const nicks = await createRole(h, alice, g, { name: 'nicks', permissions: perms(P.MANAGE_NICKNAMES) });
  await giveRole(h, alice, g, bob, nicks);
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, { nick: 'Caz' })).body.nick,
    'Caz',
  );
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${alice.id}`, { nick: 'Boss' })).body
      .code,
    90103,
    'never the owner’s',
  );
  t.equal(
    (await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/@me`, { nick: 'Boss' })).body.nick,
    'Boss',
  );
});

t.test(
  'roles on a member: PATCH roles and PUT/DELETE one role, announced as permission changes',
  async (t) => {
    const h = await startText(t);
    const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
    const g = await createGuild(h, alice);
    await join(h, g, alice, bob);
    const a = await createRole(h, alice, g, { name: 'a' });
    const b = await createRole(h, alice, g, { name: 'b' });

    let before = h.events.length;
    const res = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, {
      roles: [a, b],
    });
    t.equal(res.status, 200);
    t.same([...res.body.roles].sort(), [a, b].sort());
    const update = eventsSince(h, before, 'GUILD_MEMBER_UPDATE');
    t.equal(update.length, 1);
    t.equal(update[0]?.affectsPermissions, true);

    before = h.events.length;
    t.equal(
      (await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/members/${bob.id}/roles/${a}`)).status,
      204,
    );
    t.equal(
      (await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/members/${bob.id}/roles/${a}`)).status,
      204,
    );
    t.equal(eventsSince(h, before, 'GUILD_MEMBER_UPDATE').length, 1, 'a second removal changes nothing');
    t.same((await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/members/${bob.id}`)).body.roles, [b]);
    t.equal(
      (await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, { roles: ['4242'] })).body
        .code,
      10011,
    );
    t.equal(
      (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, { roles: [] })).body.code,
      50013,
    );
    t.equal(
      (await h.request(alice, 'PUT', `/api/v10/guilds/${g.id}/members/4242/roles/${a}`)).body.code,
      10007,
    );
    t.equal(
      (await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, { roles: 'all' })).body
        .code,
      50035,
    );
  },
);

t.test('timeouts need MODERATE_MEMBERS, outranking, and never reach the owner or an admin', async (t) => {
  const now = Date.now();
  const h = await startText(t, { now: () => now });
  const [alice, bob, carol, dave] = await Promise.all([
    h.user('alice'),
    h.user('bob'),
    h.user('carol'),
    h.user('dave'),
  ]);
  const g = await createGuild(h, alice);
  for (const u of [bob, carol, dave]) await join(h, g, alice, u);
  const admin = await createRole(h, alice, g, { name: 'admin', permissions: perms(P.ADMINISTRATOR) });
  const mods = await createRole(h, alice, g, { name: 'mods', permissions: perms(P.MODERATE_MEMBERS) });
  await giveRole(h, alice, g, bob, mods);
  await giveRole(h, alice, g, dave, admin);
  const until = new Date(now + 3_600_000).toISOString();

  t.equal(
    (
      await h.request(carol, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, {
        communication_disabled_until: until,
      })
    ).body.code,
    50013,
  );
  const before = h.events.length;
  const res = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
    communication_disabled_until: until,
  });
  t.equal(res.status, 200);
  t.equal(res.body.communication_disabled_until, until);
  t.equal(eventsSince(h, before, 'GUILD_MEMBER_UPDATE')[0]?.affectsPermissions, true);

  t.equal(
    (
      await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${alice.id}`, {
        communication_disabled_until: until,
      })
    ).body.code,
    90103,
    'the owner is above everyone',
  );
  t.equal(
    (
      await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${dave.id}`, {
        communication_disabled_until: until,
      })
    ).body.code,
    90107,
    'an ADMINISTRATOR cannot be timed out',
  );
  const tooLong = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
    communication_disabled_until: new Date(now + 29 * 86_400_000).toISOString(),
  });
  t.equal(tooLong.body.code, 50035);
  t.ok(tooLong.body.errors.communication_disabled_until);
  const notADate = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
    communication_disabled_until: 'tomorrow',
  });
  t.equal(notADate.body.code, 50035);

  // The timed-out member keeps viewing but loses everything else, including their moderation powers.
  await giveRole(h, alice, g, carol, mods);
  const carolTimesOut = await h.request(carol, 'PATCH', `/api/v10/guilds/${g.id}/members/${dave.id}`, {
    communication_disabled_until: null,
  });
  t.equal(carolTimesOut.body.code, 50013, 'a timed-out moderator cannot moderate');
  t.equal((await h.request(carol, 'GET', `/api/v10/channels/${g.general}`)).status, 200);
  t.equal((await h.request(carol, 'POST', `/api/v10/channels/${g.general}/invites`, {})).body.code, 50013);

  // Bob and Carol now share their highest role: only someone above her lifts it.
  t.equal(
    (
      await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
        communication_disabled_until: null,
      })
    ).body.code,
    90103,
  );
  const lifted = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${carol.id}`, {
    communication_disabled_until: null,
  });
  t.equal(lifted.body.communication_disabled_until, null);
  t.equal((await h.request(carol, 'POST', `/api/v10/channels/${g.general}/invites`, {})).status, 200);
});

t.test('kicking needs KICK_MEMBERS and outranking; the kicked user gets GUILD_DELETE', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  await join(h, g, alice, carol);
  t.equal((await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/members/${carol.id}`)).body.code, 50013);
  const kickers = await createRole(h, alice, g, { name: 'kickers', permissions: perms(P.KICK_MEMBERS) });
  await giveRole(h, alice, g, bob, kickers);
  await giveRole(h, alice, g, carol, kickers);
  t.equal(
    (await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/members/${carol.id}`)).body.code,
    90103,
    'an equal cannot kick an equal',
  );
  const before = h.events.length;
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/members/${carol.id}`)).status, 204);
  const gone = eventsSince(h, before, 'GUILD_DELETE');
  t.same(gone[0]?.userIds, [carol.id]);
  t.same(gone[0]?.membership, { userId: carol.id, joined: false });
  t.same(gone[0]?.d, { id: g.id });
  const removed = eventsSince(h, before, 'GUILD_MEMBER_REMOVE');
  t.equal((removed[0]?.d['user'] as { id: string }).id, carol.id);
  t.equal((await h.request(carol, 'GET', `/api/v10/channels/${g.general}`)).body.code, 50001);
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/members/${carol.id}`)).body.code, 10007);
  t.equal((await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/members/${alice.id}`)).body.code, 90103);
});
