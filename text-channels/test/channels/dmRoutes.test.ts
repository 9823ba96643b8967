import t from 'tap';
import { createGuild, eventsSince, join } from '../guilds/communityFixture.js';
import { startText } from '../helpers/textHarness.js';

t.test(
  'a DM opens only between users who share a guild, and opening twice returns the same one',
  async (t) => {
    const h = await startText(t);
    const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
    const noShared = await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id });
    t.equal(noShared.status, 403);
    t.equal(noShared.body.code, 50007);

    const g = await createGuild(h, alice);
    await join(h, g, alice, bob);
    const before = h.events.length;
    const dm = await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id });
    t.equal(dm.status, 200);
    t.equal(dm.body.type, 1);
    t.same(
      dm.body.recipients.map((u: { id: string }) => u.id),
      [bob.id],
      'recipients are the other side',
    );
    t.equal(dm.body.recipients[0].username, 'bob');
    t.equal(dm.body.guild_id, undefined);
    const created = eventsSince(h, before, 'CHANNEL_CREATE');
    t.equal(created.length, 1);
    t.same(created[0]?.userIds, [alice.id]);
    t.equal(created[0]?.guildId, null);

    const again = await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id });
    t.equal(again.body.id, dm.body.id, 'idempotent');
    const reverse = await h.request(bob, 'POST', '/api/v10/users/@me/channels', { recipient_id: alice.id });
    t.equal(reverse.body.id, dm.body.id, 'the same DM from the other side');
    t.same(
      reverse.body.recipients.map((u: { id: string }) => u.id),
      [alice.id],
    );
    t.equal(eventsSince(h, before, 'CHANNEL_CREATE').length, 1, 'no second CHANNEL_CREATE');

    const concurrent = await Promise.all(
      [1, 2, 3].map(() =>
        h.request(carol, 'POST', '/api/v10/users/@me/channels', { recipient_id: alice.id }),
      ),
    );
    t.ok(
      concurrent.every((r) => r.status === 403),
      'carol shares no guild with alice',
    );

    t.equal((await h.request(bob, 'GET', `/api/v10/channels/${dm.body.id}`)).status, 200);
    const outsider = await h.request(carol, 'GET', `/api/v10/channels/${dm.body.id}`);
    t.equal(outsider.status, 403);
    t.equal(outsider.body.code, 50001);
    const list = await h.request(bob, 'GET', '/api/v10/users/@me/channels');
    t.same(
      list.body.map((c: { id: string }) => c.id),
      [dm.body.id],
    );
    t.equal(
      (await h.request(alice, 'PATCH', `/api/v10/channels/${dm.body.id}`, { name: 'x' })).body.code,
      50024,
    );
    const closed = await h.request(alice, 'DELETE', `/api/v10/channels/${dm.body.id}`);
    t.equal(closed.status, 200, 'closing a DM answers the channel');
    t.equal((await h.request(alice, 'GET', `/api/v10/channels/${dm.body.id}`)).status, 200, 'and keeps it');
  },
);

t.test('opening a DM validates the recipient', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  t.equal(
    (await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: 'bob' })).body.code,
    50035,
  );
  t.equal((await h.request(alice, 'POST', '/api/v10/users/@me/channels', {})).body.code, 50035);
  t.equal(
    (await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: '999' })).body.code,
    10013,
  );
  t.equal(
    (await h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: alice.id })).body.code,
    50007,
  );
});

t.test('concurrent opens of the same pair create one DM', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);
  const results = await Promise.all([
    h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id }),
    h.request(bob, 'POST', '/api/v10/users/@me/channels', { recipient_id: alice.id }),
    h.request(alice, 'POST', '/api/v10/users/@me/channels', { recipient_id: bob.id }),
  ]);
  t.equal(new Set(results.map((r) => r.body.id)).size, 1);
});
