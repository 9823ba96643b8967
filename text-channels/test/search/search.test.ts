import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from '../messages/messagingWorld.js';

t.test('search by content, author and channel, in Discord shape, newest first, paged', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const other = await w.textChannel('other');
  const a1 = await w.send(alice, w.general, 'the quick brown fox');
  const b1 = await w.send(bob, w.general, 'a lazy dog and a fox');
  const a2 = await w.send(alice, other.id, 'another fox appears');
  await w.send(alice, w.general, 'nothing to see');
  const search = async (query: string, who = alice) =>
    w.h.request(who, 'GET', `/api/v10/guilds/${w.guildId}/messages/search?${query}`);

  let res = await search('content=fox');
  t.equal(res.status, 200);
  t.equal(res.body.total_results, 3);
  t.same(
    res.body.messages.map((group: { id: string }[]) => group[0]?.id),
    [a2.id, b1.id, a1.id],
  );
  t.equal(res.body.messages[0][0].hit, true);
  t.equal(res.body.messages[0][0].content, 'another fox appears');

  res = await search(`content=fox&author_id=${alice.id}`);
  t.same(
    res.body.messages.map((g: { id: string }[]) => g[0]?.id),
    [a2.id, a1.id],
  );
  res = await search(`content=fox&channel_id=${w.general}`);
  t.equal(res.body.total_results, 2);
  res = await search('content=fox&limit=1&offset=1');
  t.equal(res.body.total_results, 3);
  t.same(
    res.body.messages.map((g: { id: string }[]) => g[0]?.id),
    [b1.id],
  );
  res = await search('limit=26');
  t.equal(res.body.code, 50035);
  res = await search('content=fox&bogus=1');
  t.equal(res.body.code, 50035);
  const outsider = await w.h.user('outsider');
  res = await search('content=fox', outsider);
  t.equal(res.status, 403, 'a non-member');
  t.equal(res.body.code, 50001);
});

t.test('search never returns a message from a channel the caller cannot view or read', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const hidden = await w.textChannel('hidden', [
    { id: alice.id, type: 1, allow: '0', deny: String(Permissions.VIEW_CHANNEL) },
  ]);
  const noHistory = await w.textChannel('no-history', [
    { id: alice.id, type: 1, allow: '0', deny: String(Permissions.READ_MESSAGE_HISTORY) },
  ]);
  await w.send(w.owner, hidden.id, 'treasure in the vault');
  await w.send(w.owner, noHistory.id, 'treasure in the past');
  const visible = await w.send(w.owner, w.general, 'treasure map');

  let res = await w.h.request(alice, 'GET', `/api/v10/guilds/${w.guildId}/messages/search?content=treasure`);
  t.equal(res.body.total_results, 1);
  t.same(
    res.body.messages.map((g: { id: string }[]) => g[0]?.id),
    [visible.id],
  );
  res = await w.h.request(
    alice,
    'GET',
    `/api/v10/guilds/${w.guildId}/messages/search?content=treasure&channel_id=${hidden.id}`,
  );
  t.same(res.body, { total_results: 0, messages: [] }, 'asking for the hidden channel finds nothing');
  res = await w.h.request(w.owner, 'GET', `/api/v10/guilds/${w.guildId}/messages/search?content=treasure`);
  t.equal(res.body.total_results, 3, 'the owner sees all three');
});
