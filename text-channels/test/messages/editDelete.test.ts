import { DRIFTWAY_EPOCH } from '@driftway/common';
import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from './messagingWorld.js';

t.test(
  'the author edits: edited_timestamp, MESSAGE_UPDATE, and every previous version in /history',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const bob = await w.member('bob');
    const m = await w.send(alice, w.general, 'first');
    const url = `/api/v10/channels/${w.general}/messages/${m.id}`;

    let res = await w.h.request(alice, 'PATCH', url, { content: `second <@${bob.id}>` });
    t.equal(res.status, 200);
    t.equal(res.body.content, `second <@${bob.id}>`);
    t.ok(res.body.edited_timestamp, 'edited_timestamp is set');
    t.same(
      res.body.mentions.map((u: { id: string }) => u.id),
      [bob.id],
      'mentions follow the new content',
    );
    res = await w.h.request(alice, 'PATCH', url, { content: 'third' });
    t.equal(res.body.content, 'third');

    const updates = w.events('MESSAGE_UPDATE');
    t.equal(updates.length, 2);
    t.equal(updates[1]?.event.d['content'], 'third');
    t.equal(updates[1]?.event.channelId, w.general);
    t.equal(updates[1]?.event.intent, 1 << 9);
    t.same(updates[1]?.event.messageContent, { authorId: alice.id, mentionUserIds: [] });

    const history = await w.h.request(bob, 'GET', `${url}/history`);
    t.equal(history.status, 200);
    t.same(
      history.body.map((v: { content: string }) => v.content),
      ['first', `second <@${bob.id}>`],
      'previous versions, oldest first',
    );
    t.equal(history.body[0].timestamp, m.timestamp, 'the first version started with the message');

    res = await w.h.request(bob, 'PATCH', url, { content: 'not mine' });
    t.equal(res.status, 403);
    t.equal(res.body.code, 50005);
    res = await w.h.request(w.owner, 'PATCH', url, { content: 'not even the owner' });
    t.equal(res.body.code, 50005);
    res = await w.h.request(alice, 'PATCH', url, { content: '' });
    t.equal(res.body.code, 50006, 'an edit cannot empty a message');
    res = await w.h.request(alice, 'PATCH', url, { content: 'x', pinned: true });
    t.equal(res.body.code, 50035, 'unknown fields');
    res = await w.h.request(alice, 'PATCH', `/api/v10/channels/${w.general}/messages/123456789012345678`, {
      content: 'x',
    });
    t.equal(res.body.code, 10008);
  },
);

t.test('delete: the author or MANAGE_MESSAGES; MESSAGE_DELETE; gone afterwards', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const mods = await w.role('mods', Permissions.MANAGE_MESSAGES);
  const mod = await w.member('mod', { roleIds: [mods.id] });
  const a1 = await w.send(alice, w.general, 'a1');
  const a2 = await w.send(alice, w.general, 'a2');
  const url = (id: string) => `/api/v10/channels/${w.general}/messages/${id}`;

  let res = await w.h.request(bob, 'DELETE', url(a1.id));
  t.equal(res.status, 403, 'another member');
  t.equal(res.body.code, 50013);
  res = await w.h.request(alice, 'DELETE', url(a1.id));
  t.equal(res.status, 204, 'the author');
  res = await w.h.request(mod, 'DELETE', url(a2.id));
  t.equal(res.status, 204, 'a moderator');
  res = await w.h.request(alice, 'DELETE', url(a2.id));
  t.equal(res.body.code, 10008, 'already gone');
  t.equal((await w.h.request(alice, 'GET', url(a1.id))).body.code, 10008);

  const deletes = w.events('MESSAGE_DELETE');
  t.same(
    deletes.map((e) => e.event.d),
    [
      { id: a1.id, channel_id: w.general, guild_id: w.guildId },
      { id: a2.id, channel_id: w.general, guild_id: w.guildId },
    ],
  );
  t.equal(deletes[0]?.event.channelId, w.general);

  const dm = await w.dm(alice, bob);
  const dmMessage = await w.send(alice, dm.id, 'dm');
  res = await w.h.request(bob, 'DELETE', `/api/v10/channels/${dm.id}/messages/${dmMessage.id}`);
  t.equal(res.status, 403, 'nobody moderates the other side of a DM');
});

t.test(
  'bulk delete: MANAGE_MESSAGES, 2-100 ids, none older than 14 days, one MESSAGE_DELETE_BULK',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await w.send(alice, w.general, `m${i}`)).id);
    const url = `/api/v10/channels/${w.general}/messages/bulk-delete`;

    let res = await w.h.request(alice, 'POST', url, { messages: ids.slice(0, 2) });
    t.equal(res.status, 403, 'needs MANAGE_MESSAGES');
    res = await w.h.request(w.owner, 'POST', url, { messages: [ids[0]] });
    t.equal(res.body.code, 50035, 'at least 2');
    res = await w.h.request(w.owner, 'POST', url, {
      messages: Array.from({ length: 101 }, (_, i) => String(i + 1)),
    });
    t.equal(res.body.code, 50035, 'at most 100');
    res = await w.h.request(w.owner, 'POST', url, { messages: [ids[0], ids[0]] });
    t.equal(res.body.code, 50035, 'duplicates');
    // A snowflake from 15 days ago.
    const old = ((BigInt(Date.now() - 15 * 86_400_000) - DRIFTWAY_EPOCH) << 22n).toString();
    res = await w.h.request(w.owner, 'POST', url, { messages: [ids[0], old] });
    t.equal(res.status, 400);
    t.equal(res.body.code, 50034, 'older than 14 days');

    res = await w.h.request(w.owner, 'POST', url, {
      messages: [ids[0], ids[1], ids[2], '123456789012345678'],
    });
    t.equal(res.status, 204);
    const left = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages`);
    t.same(
      left.body.map((m: { id: string }) => m.id),
      [ids[4], ids[3]],
    );
    const bulk = w.events('MESSAGE_DELETE_BULK');
    t.equal(bulk.length, 1);
    t.same(bulk[0]?.event.d, { ids: ids.slice(0, 3), channel_id: w.general, guild_id: w.guildId });
    t.equal(bulk[0]?.event.channelId, w.general);
  },
);
