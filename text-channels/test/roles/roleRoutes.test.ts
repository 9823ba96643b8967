import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test('roles are created just above @everyone with @everyone’s permissions by default', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  t.equal((await h.request(bob, 'POST', `/api/v10/guilds/${g.id}/roles`, { name: 'x' })).body.code, 50013);

  const before = h.events.length;
  const first = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/roles`, {});
  t.equal(first.status, 200);
  t.equal(first.body.name, 'new role');
  t.equal(first.body.position, 1);
  t.equal(first.body.permissions, g.body.roles[0].permissions);
  const created = eventsSince(h, before, 'GUILD_ROLE_CREATE');
  t.equal(created.length, 1);
  t.equal(created[0]?.intent, Intents.GUILDS);
  t.equal(created[0]?.affectsPermissions, true);
  t.same(created[0]?.d['guild_id'], g.id);

  const second = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/roles`, {
    name: 'mods',
    color: 0xff0000,
    hoist: true,
    mentionable: true,
    permissions: perms(P.KICK_MEMBERS),
  });
  t.equal(second.body.position, 1, 'the newest role starts at 1');
  t.equal(second.body.color, 0xff0000);
  t.equal(second.body.colors.primary_color, 0xff0000);
  t.equal(second.body.permissions, perms(P.KICK_MEMBERS));
  const roles = (await h.request(bob, 'GET', `/api/v10/guilds/${g.id}/roles`)).body;
  t.same(
    roles.map((r: { name: string; position: number }) => [r.name, r.position]),
    [
      ['@everyone', 0],
      ['mods', 1],
      ['new role', 2],
    ],
  );
  const bad = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/roles`, {
    name: 'x'.repeat(101),
    color: -1,
  });
  t.equal(bad.body.code, 50035);
  t.ok(bad.body.errors.name);
  t.ok(bad.body.errors.color);
});

t.test(
  'role hierarchy: you manage only roles below your highest, and grant only what you hold',
  async (t) => {
    const h = await startText(t);
    const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
    const g = await createGuild(h, alice);
    await join(h, g, alice, bob);
    await join(h, g, alice, carol);
    const low = await createRole(h, alice, g, { name: 'low' });
    const manager = await createRole(h, alice, g, {
      name: 'manager',
      permissions: perms(P.MANAGE_ROLES, P.VIEW_CHANNEL),
    });
    const high = await createRole(h, alice, g, { name: 'high' });
    // Order them: low 1, manager 2, high 3.
    const order = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles`, [
      { id: low, position: 1 },
      { id: manager, position: 2 },
      { id: high, position: 3 },
    ]);
    t.equal(order.status, 200);
    t.same(
      order.body.map((r: { name: string }) => r.name),
      ['@everyone', 'low', 'manager', 'high'],
    );
    await giveRole(h, alice, g, bob, manager);

    t.equal(
      (await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/roles/${low}`, { name: 'lower' })).status,
      200,
    );
    const above = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/roles/${high}`, { name: 'mine' });
    t.equal(above.status, 403);
    t.equal(above.body.code, 90103, 'a higher role is out of reach');
    const own = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/roles/${manager}`, { name: 'mine' });
    t.equal(own.body.code, 90103, 'so is your own highest role');
    t.equal((await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/roles/${high}`)).body.code, 90103);
    const grant = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/roles/${low}`, {
      permissions: perms(P.BAN_MEMBERS),
    });
    t.equal(grant.body.code, 50013, 'cannot grant a permission you lack');
    const createAdmin = await h.request(bob, 'POST', `/api/v10/guilds/${g.id}/roles`, {
      permissions: perms(P.ADMINISTRATOR),
    });
    t.equal(createAdmin.body.code, 50013);

    // Assigning roles follows the same rule.
    t.equal(
      (await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/members/${carol.id}/roles/${low}`)).status,
      204,
    );
    t.equal(
      (await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/members/${carol.id}/roles/${high}`)).body.code,
      90103,
    );
    t.equal(
      (await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/members/${carol.id}/roles/${g.id}`)).body.code,
      50028,
    );
    t.equal(
      (await h.request(bob, 'PUT', `/api/v10/guilds/${g.id}/members/${carol.id}/roles/777`)).body.code,
      10011,
    );
    // Moving a role above your own is refused; moving below is fine.
    const moveUp = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}/roles`, [{ id: low, position: 3 }]);
    t.equal(moveUp.body.code, 90103);
    // The owner manages everything.
    t.equal(
      (await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${high}`, { name: 'top' })).status,
      200,
    );
  },
);

t.test('modifying and deleting roles announce permission changes', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  const role = await createRole(h, alice, g, { name: 'viewer' });
  await giveRole(h, alice, g, bob, role);

  let before = h.events.length;
  const renamed = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${role}`, {
    name: 'watcher',
  });
  t.equal(renamed.body.name, 'watcher');
  t.notOk(eventsSince(h, before, 'GUILD_ROLE_UPDATE')[0]?.affectsPermissions, 'a rename changes no access');

  before = h.events.length;
  const changed = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${role}`, {
    permissions: perms(P.MANAGE_CHANNELS),
  });
  t.equal(changed.body.permissions, perms(P.MANAGE_CHANNELS));
  const update = eventsSince(h, before, 'GUILD_ROLE_UPDATE');
  t.equal(update.length, 1);
  t.equal(update[0]?.affectsPermissions, true);
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, { topic: 'now allowed' })).status,
    200,
  );

  const renameEveryone = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${g.id}`, {
    name: 'all',
  });
  t.equal(renameEveryone.body.code, 50035);
  const everyonePerms = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${g.id}`, {
    permissions: perms(P.VIEW_CHANNEL),
  });
  t.equal(everyonePerms.status, 200, '@everyone’s permissions can change');
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/roles/${g.id}`)).body.code, 50028);

  before = h.events.length;
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/roles/${role}`)).status, 204);
  const deleted = eventsSince(h, before, 'GUILD_ROLE_DELETE');
  t.same(deleted[0]?.d, { guild_id: g.id, role_id: role });
  t.equal(deleted[0]?.affectsPermissions, true);
  const member = (await h.request(alice, 'GET', `/api/v10/guilds/${g.id}/members/${bob.id}`)).body;
  t.same(member.roles, [], 'members lose the deleted role');
  t.equal(
    (await h.request(bob, 'PATCH', `/api/v10/channels/${g.general}`, { topic: 'no more' })).body.code,
    50013,
  );
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}/roles/${role}`)).body.code, 10011);
  t.equal(
    (await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}/roles/${role}`, { name: 'x' })).body.code,
    10011,
  );
});

t.test('ADMINISTRATOR grants everything but does not lift the hierarchy', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  await join(h, g, alice, carol);
  // Each new role starts at position 1: "top" ends up above "admin".
  const top = await createRole(h, alice, g, { name: 'top' });
  const admin = await createRole(h, alice, g, { name: 'admin', permissions: perms(P.ADMINISTRATOR) });
  await giveRole(h, alice, g, bob, admin);
  await giveRole(h, alice, g, carol, top);
  const hidden = await h.request(alice, 'POST', `/api/v10/guilds/${g.id}/channels`, {
    name: 'hidden',
    permission_overwrites: [
      { id: g.id, type: 0, deny: perms(P.VIEW_CHANNEL) },
      { id: bob.id, type: 1, deny: perms(P.VIEW_CHANNEL) },
    ],
  });
  t.equal(
    (await h.request(bob, 'GET', `/api/v10/channels/${hidden.body.id}`)).status,
    200,
    'overwrites do not bind an admin',
  );
  t.equal((await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}`, { name: 'Admin’d' })).status, 200);
  t.equal(
    (await h.request(bob, 'POST', `/api/v10/guilds/${g.id}/roles`, { permissions: perms(P.BAN_MEMBERS) }))
      .status,
    200,
  );
  // carol's "top" role is above "admin": the admin cannot kick her.
  t.equal((await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/members/${carol.id}`)).body.code, 90103);
  t.equal(
    (await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}/members/${alice.id}`)).body.code,
    90103,
    'nor the owner',
  );
});
