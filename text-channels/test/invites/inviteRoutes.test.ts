import { IDENTITY_HEADER } from '@driftway/common';
import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test(
  'an invite is created with Discord’s defaults, announced, previewed publicly and accepted',
  async (t) => {
    const h = await startText(t);
    const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
    const g = await createGuild(h, alice, 'Invite Land');

    let before = h.events.length;
    const created = await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, {});
    t.equal(created.status, 200);
    const invite = created.body;
    t.match(invite.code, /^[A-Za-z0-9]{8}$/);
    t.equal(invite.max_age, 86400, 'expires after a day by default');
    t.equal(invite.max_uses, 0);
    t.equal(invite.uses, 0);
    t.equal(invite.temporary, false);
    t.equal(invite.guild.id, g.id);
    t.equal(invite.channel.id, g.general);
    t.equal(invite.inviter.id, alice.id);
    t.equal(Date.parse(invite.expires_at) - Date.parse(invite.created_at), 86_400_000);
    const announced = eventsSince(h, before, 'INVITE_CREATE');
    t.equal(announced.length, 1);
    t.equal(announced[0]?.channelId, g.general);
    t.equal(announced[0]?.intent, Intents.GUILD_INVITES);
    t.equal(announced[0]?.d['code'], invite.code);

    const reused = await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, {});
    t.equal(reused.body.code, invite.code, 'an equivalent unused invite is handed back unless unique');
    const unique = await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { unique: true });
    t.not(unique.body.code, invite.code);

    // Public preview: no identity at all.
    const preview = await fetch(`${h.httpUrl}/api/v10/invites/${invite.code}?with_counts=true`);
    t.equal(preview.status, 200);
    const body = (await preview.json()) as {
      guild: { name: string };
      channel: { name: string };
      approximate_member_count: number;
      uses?: number;
    };
    t.equal(body.guild.name, 'Invite Land');
    t.equal(body.channel.name, 'general');
    t.equal(body.approximate_member_count, 1);
    t.equal(body.uses, undefined, 'the preview has no metadata');
    t.equal(
      (await h.request(bob, 'GET', `/api/v10/invites/${invite.code}`)).status,
      200,
      'fine with an identity too',
    );

    before = h.events.length;
    const accepted = await h.request(bob, 'POST', `/api/v10/invites/${invite.code}`);
    t.equal(accepted.status, 200);
    t.equal(accepted.body.new_member, true);
    t.equal(accepted.body.uses, 1);
    const guildCreate = eventsSince(h, before, 'GUILD_CREATE');
    t.equal(guildCreate.length, 1);
    t.same(guildCreate[0]?.userIds, [bob.id]);
    t.same(guildCreate[0]?.membership, { userId: bob.id, joined: true });
    const memberAdd = eventsSince(h, before, 'GUILD_MEMBER_ADD');
    t.equal(memberAdd.length, 1);
    t.equal(memberAdd[0]?.intent, Intents.GUILD_MEMBERS);
    t.equal(memberAdd[0]?.d['guild_id'], g.id);
    t.equal((memberAdd[0]?.d['user'] as { id: string }).id, bob.id);

    const again = await h.request(bob, 'POST', `/api/v10/invites/${invite.code}`);
    t.equal(again.body.new_member, false);
    t.equal(again.body.uses, 1, 'accepting again counts no use');
    t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}`)).status, 200);
  },
);

t.test('the joiner’s GUILD_CREATE lists only the channels they can view', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  const hidden = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'staff-only',
    permission_overwrites: [{ id: g.id, type: 0, deny: perms(P.VIEW_CHANNEL) }],
  });
  const before = h.events.length;
  await join(h, g, alice, bob);
  const d = eventsSince(h, before, 'GUILD_CREATE')[0]?.d as { channels: { id: string; name: string }[] };
  t.equal(d.channels.length, 4);
  t.notOk(d.channels.some((c) => c.id === hidden.body.id));
  t.notOk(JSON.stringify(d).includes('staff-only'));
});

t.test('max_uses and expiry end an invite (with an injected clock)', async (t) => {
  let now = Date.now();
  const h = await startText(t, { now: () => now });
  const [alice, bob, carol, dave] = await Promise.all([
    h.user('alice'),
    h.user('bob'),
    h.user('carol'),
    h.user('dave'),
  ]);
  const g = await createGuild(h, alice);

  const once = (
    await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { max_uses: 1, unique: true })
  ).body;
  t.equal((await h.request(bob, 'POST', `/api/v10/invites/${once.code}`)).status, 200);
  const used = await h.request(carol, 'POST', `/api/v10/invites/${once.code}`);
  t.equal(used.status, 404);
  t.equal(used.body.code, 10006, 'used up');
  t.equal((await h.request(null, 'GET', `/api/v10/invites/${once.code}`)).body.code, 10006);

  const hour = (
    await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { max_age: 3600, unique: true })
  ).body;
  const forever = (
    await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { max_age: 0, unique: true })
  ).body;
  t.equal(forever.expires_at, null);
  now += 3_600_001;
  t.equal((await h.request(carol, 'POST', `/api/v10/invites/${hour.code}`)).body.code, 10006, 'expired');
  t.equal((await h.request(null, 'GET', `/api/v10/invites/${hour.code}`)).body.code, 10006);
  const listed = await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/invites`);
  t.notOk(
    listed.body.some((i: { code: string }) => i.code === hour.code || i.code === once.code),
    'dead invites are not listed',
  );
  t.ok(listed.body.some((i: { code: string }) => i.code === forever.code));
  t.equal(
    (await h.request(dave, 'POST', `/api/v10/invites/${forever.code}`)).status,
    200,
    'max_age 0 never expires',
  );
  t.equal((await h.request(dave, 'POST', '/api/v10/invites/nope1234')).body.code, 10006);
});

t.test('invite permissions: create, list, revoke', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);

  t.equal((await h.request(carol, 'POST', `/api/v10/channels/${g.general}/invites`, {})).body.code, 50001);
  const bobs = await h.request(bob, 'POST', `/api/v10/channels/${g.general}/invites`, {});
  t.equal(bobs.status, 200, '@everyone may create invites by default');
  await h.request(alice, 'PUT', `/api/v10/channels/${g.general}/permissions/${g.id}`, {
    type: 0,
    deny: perms(P.CREATE_INSTANT_INVITE),
  });
  t.equal((await h.request(bob, 'POST', `/api/v10/channels/${g.general}/invites`, {})).body.code, 50013);
  t.equal(
    (await h.request(alice, 'POST', `/api/v10/channels/${g.textCategory}/invites`, {})).body.code,
    50024,
  );
  const bad = await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { max_age: 604801 });
  t.equal(bad.body.code, 50035);
  t.ok(bad.body.errors.max_age);
  t.equal(
    (await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { max_uses: 101 })).body.code,
    50035,
  );

  t.equal((await h.request(bob, 'GET', `/api/v10/channels/${g.general}/invites`)).body.code, 50013);
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/invites`)).body.code, 50013);
  const channelList = await h.request(alice, 'GET', `/api/v10/channels/${g.general}/invites`);
  // Alice's invite that Bob joined with, and Bob's own.
  t.equal(channelList.body.length, 2);
  const listedBobs = channelList.body.find((i: { code: string }) => i.code === bobs.body.code);
  t.equal(listedBobs.uses, 0);
  t.equal(listedBobs.inviter.id, bob.id);

  t.equal((await h.request(bob, 'DELETE', `/api/v10/invites/${bobs.body.code}`)).body.code, 50013);
  t.equal((await h.request(carol, 'DELETE', `/api/v10/invites/${bobs.body.code}`)).body.code, 50001);
  const managers = await createRole(h, alice, g, { name: 'managers', permissions: perms(P.MANAGE_GUILD) });
  await giveRole(h, alice, g, bob, managers);
  const before = h.events.length;
  const revoked = await h.request(bob, 'DELETE', `/api/v10/invites/${bobs.body.code}`);
  t.equal(revoked.status, 200);
  t.equal(revoked.body.code, bobs.body.code);
  const deleted = eventsSince(h, before, 'INVITE_DELETE');
  t.same(deleted[0]?.d, { channel_id: g.general, guild_id: g.id, code: bobs.body.code });
  t.equal(deleted[0]?.channelId, g.general);
  t.equal((await h.request(carol, 'POST', `/api/v10/invites/${bobs.body.code}`)).body.code, 10006);
  t.equal((await h.request(alice, 'DELETE', `/api/v10/invites/${bobs.body.code}`)).body.code, 10006);
});

t.test('invite codes are validated', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const res = await fetch(`${h.httpUrl}/api/v10/invites/${encodeURIComponent('bad code!')}`, {
    headers: { [IDENTITY_HEADER]: 'x' },
  });
  t.equal(res.status, 400);
  t.equal(((await res.json()) as { code: number }).code, 50035);
  t.equal((await h.request(alice, 'GET', '/api/v10/invites/abc?with_counts=maybe')).body.code, 50035);
});
