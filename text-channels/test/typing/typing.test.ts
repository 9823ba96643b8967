import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from '../messages/messagingWorld.js';

t.test('typing: 204, TYPING_START with the member, nothing stored', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const before = Math.floor(Date.now() / 1000);
  const res = await w.h.request(alice, 'POST', `/api/v10/channels/${w.general}/typing`);
  t.equal(res.status, 204);
  const [typing] = w.events('TYPING_START');
  t.match(typing?.event, {
    guildId: w.guildId,
    channelId: w.general,
    intent: 1 << 11,
    d: { channel_id: w.general, guild_id: w.guildId, user_id: alice.id, member: { user: { id: alice.id } } },
  });
  const timestamp = typing?.event.d['timestamp'] as number;
  t.ok(
    Number.isInteger(timestamp) && timestamp >= before && timestamp < before + 3600,
    'timestamp in seconds',
  );
  t.same(await w.h.storage.messages.list(w.general, { limit: 10 }), [], 'nothing stored');
});

t.test(
  'typing needs SEND_MESSAGES; in a DM it goes to the recipients under DIRECT_MESSAGE_TYPING',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const bob = await w.member('bob');
    await w.overwrite(w.general, [
      { id: alice.id, type: 1, allow: '0', deny: String(Permissions.SEND_MESSAGES) },
    ]);
    const res = await w.h.request(alice, 'POST', `/api/v10/channels/${w.general}/typing`);
    t.equal(res.status, 403);
    t.equal(res.body.code, 50013);
    const dm = await w.dm(alice, bob);
    t.equal((await w.h.request(alice, 'POST', `/api/v10/channels/${dm.id}/typing`)).status, 204);
    const typing = w.events('TYPING_START');
    t.equal(typing.length, 1);
    t.equal(typing[0]?.event.intent, 1 << 14);
    t.same([...(typing[0]?.event.userIds ?? [])].sort(), [alice.id, bob.id].sort());
    t.notOk(typing[0]?.event.d['member']);
  },
);
