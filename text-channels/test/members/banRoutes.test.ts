import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test('banning kicks, is listed, blocks rejoining, and unbanning lifts it', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  await join(h, g, alice, carol);

  t.equal((await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${carol.id}`, {})).body.code, 50013);
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/bans`)).body.code, 50013);

  const before = h.events.length;
  const ban = await h.request(alice, 'PUT', `/api/v10/guilds/${g.id}/bans/${carol.id}`, { reason: 'spam' });
  t.equal(ban.status, 204);
  const added = eventsSince(h, before, 'GUILD_BAN_ADD');
  t.equal(added.length, 1);
  t.equal(added[0]?.intent, Intents.GUILD_MODERATION);
  t.equal((added[0]?.d['user'] as { id: string }).id, carol.id);
  t.same(eventsSince(h, before, 'GUILD_DELETE')[0]?.userIds, [carol.id], 'the banned member is removed');
  t.equal(eventsSince(h, before, 'GUILD_MEMBER_REMOVE').length, 1);
  t.equal((await h.request(carol, 'GET', `/api/v10/guilds/${g.id}`)).body.code, 50001);

  const list = await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/bans`);
  t.same(list.body, [
    {
      reason: 'spam',
      user: list.body[0].user,
    },
  ]);
  t.equal(list.body[0].user.id, carol.id);
  t.equal((await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/bans/${carol.id}`)).body.reason, 'spam');
  t.equal((await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/bans/${bob.id}`)).body.code, 10026);

  const invite = await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, {});
  const refused = await h.request(carol, 'POST', `/api/v10/invites/${invite.body.code}`);
  t.equal(refused.status, 403);
  t.equal(refused.body.code, 40007, 'a banned user cannot accept an invite');

  const beforeUnban = h.events.length;
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/bans/${carol.id}`)).status, 204);
  t.equal(eventsSince(h, beforeUnban, 'GUILD_BAN_REMOVE').length, 1);
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/bans/${carol.id}`)).body.code, 10026);
  t.equal((await h.request(carol, 'POST', `/api/v10/invites/${invite.body.code}`)).status, 200, 'can rejoin');
});

t.test('bans follow the hierarchy, reach non-members, and never the owner', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol, dave] = await Promise.all([
    h.user('alice'),
    h.user('bob'),
    h.user('carol'),
    h.user('dave'),
  ]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  await join(h, g, alice, carol);
  const banners = await createRole(h, alice, g, { name: 'banners', permissions: perms(P.BAN_MEMBERS) });
  await giveRole(h, alice, g, bob, banners);
  await giveRole(h, alice, g, carol, banners);
  t.equal((await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${carol.id}`)).body.code, 90103);
  t.equal((await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${alice.id}`)).body.code, 90103);
  t.equal(
    (await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${dave.id}`)).status,
    204,
    'a non-member',
  );
  t.equal((await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/4242`)).body.code, 10013);
  const bad = await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${dave.id}`, {
    delete_message_days: 8,
  });
  t.equal(bad.body.code, 50035);
  const before = h.events.length;
  t.equal((await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/bans/${dave.id}`, {})).status, 204);
  t.equal(eventsSince(h, before, 'GUILD_BAN_ADD').length, 0, 'banning twice announces once');
});
