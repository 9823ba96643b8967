import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test('creating channels needs MANAGE_CHANNELS and announces CHANNEL_CREATE to viewers', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);

  const denied = await h.request(bob, 'POST', `/api/v10/guilds/${g.id}/channels`, { name: 'nope' });
  t.equal(denied.status, 403);
  t.equal(denied.body.code, 50013);

  const before = h.events.length;
  const res = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'Off Topic',
    topic: 'anything goes',
    parent_id: g.textCategory,
    rate_limit_per_user: 5,
  });
  t.equal(res.status, 201);
  t.equal(res.body.name, 'off-topic', 'text channel names are normalised as on Discord');
  t.equal(res.body.type, 0);
  t.equal(res.body.guild_id, g.id);
  t.equal(res.body.topic, 'anything goes');
  t.equal(res.body.parent_id, g.textCategory);
  t.equal(res.body.rate_limit_per_user, 5);
  t.equal(res.body.position, 1, 'after #general in its category');
  t.same(res.body.permission_overwrites, []);
  const created = eventsSince(h, before, 'CHANNEL_CREATE');
  t.equal(created.length, 1);
  t.equal(created[0]?.channelId, res.body.id, 'only viewers of the channel get it');
  t.equal(created[0]?.guildId, g.id);
  t.equal(created[0]?.intent, Intents.GUILDS);

  const voice = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'Loud Room',
    type: 2,
    bitrate: 96000,
    user_limit: 5,
  });
  t.equal(voice.status, 201);
  t.equal(voice.body.name, 'Loud Room', 'voice names keep their case and spaces');
  t.equal(voice.body.bitrate, 96000);
  t.equal(voice.body.user_limit, 5);

  const category = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'More',
    type: 4,
  });
  t.equal(category.status, 201);
  const nested = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'Deeper',
    type: 4,
    parent_id: category.body.id,
  });
  t.equal(nested.body.code, 50035, 'categories have no parent');
  t.ok(nested.body.errors.parent_id);
  const badParent = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'x',
    parent_id: g.general,
  });
  t.equal(badParent.body.code, 50035, 'a parent must be a category');
});

t.test('channel bodies are validated', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const g = await createGuild(h, alice);
  const cases: [string, unknown][] = [
    ['an empty name', { name: '' }],
    ['a name over 100', { name: 'x'.repeat(101) }],
    ['a topic over 1024', { name: 'a', topic: 'x'.repeat(1025) }],
    ['a DM type', { name: 'a', type: 1 }],
    ['slowmode over 6 hours', { name: 'a', rate_limit_per_user: 21601 }],
    ['an unknown field', { name: 'a', icon: 'x' }],
    ['a malformed overwrite', { name: 'a', permission_overwrites: [{ id: g.id, type: 0, allow: 'lots' }] }],
  ];
  for (const [what, body] of cases) {
    const res = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, body);
    t.equal(res.status, 400, what);
    t.equal(res.body.code, 50035, what);
    t.ok(res.body.errors, `${what} names the field`);
  }
  const patch = await h.request(alice, 'PATCH', `/api/v10/channels/${g.general}`, {
    topic: 'x'.repeat(1025),
  });
  t.equal(patch.body.code, 50035);
  t.ok(patch.body.errors.topic);
});

t.test('a hidden channel is invisible: 50001 on get, absent from the list, no name leaks', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  const secret = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'secret-plans',
    topic: 'the surprise party',
    permission_overwrites: [{ id: g.id, type: 0, deny: perms(P.VIEW_CHANNEL) }],
  });
  t.equal(secret.status, 201);

  for (const [who, user] of [
    ['a member without VIEW_CHANNEL', bob],
    ['a non-member', carol],
  ] as const) {
    const res = await h.request(user, 'GET', `/api/v10/channels/${secret.body.id}`);
    t.equal(res.status, 403, who);
    t.equal(res.body.code, 50001, who);
    t.notOk(JSON.stringify(res.body).includes('secret'), `${who} learns nothing of it`);
  }
  const list = await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/channels`);
  t.equal(list.status, 200);
  t.notOk(
    list.body.some((c: { id: string }) => c.id === secret.body.id),
    'the list leaves it out',
  );
  t.equal((await h.request(carol, 'GET', `/api/v10/guilds/${g.id}/channels`)).body.code, 50001);
  t.equal(
    (await h.request(alice, 'GET', `/api/v10/channels/${secret.body.id}`)).status,
    200,
    'the owner sees it',
  );
  t.equal((await h.request(alice, 'GET', '/api/v10/channels/1234567')).body.code, 10003);

  // A member overwrite lets Bob in.
  const before = h.events.length;
  const put = await h.request(alice, 'PUT', `/api/v10/channels/${secret.body.id}/permissions/${bob.id}`, {
    type: 1,
    allow: perms(P.VIEW_CHANNEL),
  });
  t.equal(put.status, 204);
  const update = eventsSince(h, before, 'CHANNEL_UPDATE');
  t.equal(update.length, 1);
  t.equal(update[0]?.affectsPermissions, true, 'an overwrite change re-evaluates delivery');
  t.equal(update[0]?.channelId, secret.body.id);
  t.equal((await h.request(bob, 'GET', `/api/v10/channels/${secret.body.id}`)).status, 200);

  t.equal(
    (await h.request(alice, 'DELETE', `/api/v10/channels/${secret.body.id}/permissions/${bob.id}`)).status,
    204,
  );
  t.equal((await h.request(bob, 'GET', `/api/v10/channels/${secret.body.id}`)).body.code, 50001);
});

t.test('modifying a channel needs MANAGE_CHANNELS there; overwrites need MANAGE_ROLES', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, { name: 'mine' })).body.code,
    50013,
  );

  const editors = await createRole(h, alice, g, { name: 'editors', permissions: perms(P.MANAGE_CHANNELS) });
  await giveRole(h, alice, g, bob, editors);
  const before = h.events.length;
  const res = await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, {
    name: 'Lobby',
    topic: 'welcome',
    rate_limit_per_user: 10,
    bitrate: 8000,
  });
  t.equal(res.status, 200);
  t.equal(res.body.name, 'lobby');
  t.equal(res.body.topic, 'welcome');
  t.equal(res.body.rate_limit_per_user, 10);
  t.equal(res.body.bitrate, undefined, 'voice fields are ignored on a text channel');
  const updates = eventsSince(h, before, 'CHANNEL_UPDATE');
  t.equal(updates.length, 1);
  t.notOk(updates[0]?.affectsPermissions, 'a rename does not change access');

  const overwrites = await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, {
    permission_overwrites: [{ id: g.id, type: 0, deny: perms(P.SEND_MESSAGES) }],
  });
  t.equal(overwrites.body.code, 50013, 'overwrites need MANAGE_ROLES');
  const putDenied = await h.request(bob, 'PUT', `/api/v10/channels/${g.general}/permissions/${g.id}`, {
    type: 0,
    deny: perms(P.SEND_MESSAGES),
  });
  t.equal(putDenied.body.code, 50013);

  // With MANAGE_ROLES, Bob may only grant what he holds himself.
  const roleManagers = await createRole(h, alice, g, {
    name: 'role managers',
    permissions: perms(P.MANAGE_ROLES, P.MANAGE_CHANNELS),
  });
  await giveRole(h, alice, g, bob, roleManagers);
  const escalate = await h.request(bob, 'PUT', `/api/v10/channels/${g.general}/permissions/${bob.id}`, {
    type: 1,
    allow: perms(P.ADMINISTRATOR),
  });
  t.equal(escalate.body.code, 50013, 'cannot allow what you do not hold');
  const ok = await h.request(bob, 'PUT', `/api/v10/channels/${g.general}/permissions/${g.id}`, {
    type: 0,
    deny: perms(P.SEND_MESSAGES),
  });
  t.equal(ok.status, 204);
  const unknownRole = await h.request(alice, 'PUT', `/api/v10/channels/${g.general}/permissions/123456`, {
    type: 0,
    allow: '0',
  });
  t.equal(unknownRole.body.code, 10011);
  const unknownMember = await h.request(alice, 'PUT', `/api/v10/channels/${g.general}/permissions/123456`, {
    type: 1,
    allow: '0',
  });
  t.equal(unknownMember.body.code, 10007);
  const channel = (await h.request(alice, 'GET', `/api/v10/channels/${g.general}`)).body;
  t.same(channel.permission_overwrites, [{ id: g.id, type: 0, allow: '0', deny: perms(P.SEND_MESSAGES) }]);
});

t.test('deleting a category frees its channels; deleting the system channel clears it', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  t.equal((await h.request(bob, 'DELETE', `/api/v10/channels/${g.general}`)).body.code, 50013);

  const before = h.events.length;
  const res = await h.request(alice, 'DELETE', `/api/v10/channels/${g.textCategory}`);
  t.equal(res.status, 200);
  t.equal(res.body.id, g.textCategory);
  const deleted = eventsSince(h, before, 'CHANNEL_DELETE');
  t.equal(deleted.length, 1);
  t.equal(deleted[0]?.channelId, g.textCategory);
  const moved = eventsSince(h, before, 'CHANNEL_UPDATE');
  t.same(
    moved.map((e) => [e.d['id'], e.d['parent_id']]),
    [[g.general, null]],
  );
  t.equal((await h.request(alice, 'GET', `/api/v10/channels/${g.general}`)).body.parent_id, null);

  const beforeGeneral = h.events.length;
  t.equal((await h.request(alice, 'DELETE', `/api/v10/channels/${g.general}`)).status, 200);
  const guildUpdate = eventsSince(h, beforeGeneral, 'GUILD_UPDATE');
  t.equal(guildUpdate[0]?.d['system_channel_id'], null);
  t.equal((await h.request(alice, 'GET', `/api/v10/channels/${g.general}`)).body.code, 10003);
  t.equal((await h.request(alice, 'DELETE', `/api/v10/channels/${g.general}`)).body.code, 10003);
});

t.test('channel positions and parents are changed in bulk with MANAGE_CHANNELS', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  const body = [{ id: g.general, position: 3, parent_id: null }];
  t.equal((await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/channels`, body)).body.code, 50013);
  const before = h.events.length;
  t.equal((await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/channels`, body)).status, 204);
  const updates = eventsSince(h, before, 'CHANNEL_UPDATE');
  t.equal(updates.length, 1);
  t.equal(updates[0]?.d['position'], 3);
  t.equal(updates[0]?.d['parent_id'], null);
  const unknown = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/channels`, [
    { id: '42', position: 1 },
  ]);
  t.equal(unknown.body.code, 10003);
  const empty = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/channels`, []);
  t.equal(empty.body.code, 50035);
  const intoText = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/channels`, [
    { id: g.voice, parent_id: g.general },
  ]);
  t.equal(intoText.body.code, 50035);
});

t.test('a timed-out member can still view channels but not manage them', async (t) => {
  let now = Date.now();
  const h = await startText(t, { now: () => now });
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  const editors = await createRole(h, alice, g, { name: 'editors', permissions: perms(P.MANAGE_CHANNELS) });
  await giveRole(h, alice, g, bob, editors);
  const until = new Date(now + 60_000).toISOString();
  t.equal(
    (
      await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/members/${bob.id}`, {
        communication_disabled_until: until,
      })
    ).status,
    200,
  );
  t.equal(
    (await h.request(bob, 'GET', `/api/v10/channels/${g.general}`)).status,
    200,
    'still sees the channel',
  );
  t.equal((await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, { topic: 'x' })).body.code, 50013);
  now += 61_000;
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, { topic: 'x' })).status,
    200,
    'the timeout ends by itself',
  );
});
