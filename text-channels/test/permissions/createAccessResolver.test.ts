import { DriftwayError } from '@driftway/common';
import t from 'tap';
import { DM_PERMISSIONS, Permissions as P } from '../../src/permissions/Permissions.js';
import { createGuild, join, perms } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

async function code(promise: Promise<unknown> | (() => unknown)): Promise<number | string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
    return 'resolved';
  } catch (err) {
    return err instanceof DriftwayError ? err.code : String(err);
  }
}

t.test('the access resolver answers with Discord’s codes and current records', async (t) => {
  const h = await startText(t);
  const access = h.app.ctx.access;
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);

  t.equal(await code(access.guild(alice.identity, '424242')), 10004, 'unknown guild');
  t.equal(await code(access.guild(carol.identity, g.id)), 50001, 'not a member');
  t.equal(await code(access.channel(alice.identity, '424242')), 10003, 'unknown channel');
  t.equal(await code(access.channel(carol.identity, g.general)), 50001, 'a non-member asking for a channel');

  const owner = await access.guild(alice.identity, g.id);
  t.equal(owner.isOwner, true);
  t.equal(owner.roles[0]?.id, g.id, '@everyone first');
  const member = await access.guild(bob.identity, g.id);
  t.equal(member.isOwner, false);
  t.equal(member.permissions & P.ADMINISTRATOR, 0n);
  t.equal(await code(() => access.require(member.permissions, P.MANAGE_GUILD)), 50013);
  t.equal(await code(() => access.require(member.permissions, P.VIEW_CHANNEL)), 'resolved');
  t.equal(await code(() => access.requireAboveMember(member, owner.member)), 90103);
  t.equal(await code(() => access.requireAboveMember(owner, member.member)), 'resolved');
  t.equal(await code(() => access.requireAboveRole(member, owner.roles[0]!)), 90103);

  // Hide #general from @everyone: Bob loses it at once (no cache).
  await h.request(alice, 'PUT', `/api/v10/channels/${g.general}/permissions/${g.id}`, {
    type: 0,
    deny: perms(P.VIEW_CHANNEL),
  });
  t.equal(await code(access.channel(bob.identity, g.general)), 50001, 'cannot view');
  const general = (await h.storage.channels.get(g.general))!;
  t.equal(access.permissionsIn(await access.guild(bob.identity, g.id), general), 0n);
  t.equal((await access.channel(alice.identity, g.general)).permissions & P.VIEW_CHANNEL, P.VIEW_CHANNEL);

  const dm = (await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id })).body;
  const dmAccess = await access.channel(bob.identity, dm.id);
  t.equal(dmAccess.guild, null);
  t.equal(dmAccess.permissions, DM_PERMISSIONS);
  t.equal(await code(access.channel(carol.identity, dm.id)), 50001, 'not a DM participant');
});
