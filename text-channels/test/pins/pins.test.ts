import t from 'tap';
import { messagingWorld } from '../messages/messagingWorld.js';

t.test(
  'pin and unpin: MANAGE_MESSAGES, pinned in the message, CHANNEL_PINS_UPDATE and MESSAGE_UPDATE',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const a = await w.send(alice, w.general, 'first');
    const b = await w.send(alice, w.general, 'second');
    const pin = (who: typeof alice, id: string, method = 'PUT') =>
      w.h.request(who, method, `/api/v10/channels/${w.general}/pins/${id}`);

    const res = await pin(alice, a.id);
    t.equal(res.status, 403, 'a member without MANAGE_MESSAGES');
    t.equal(res.body.code, 50013);
    t.equal((await pin(w.owner, a.id)).status, 204);
    t.equal((await pin(w.owner, b.id)).status, 204);
    t.equal((await pin(w.owner, b.id)).status, 204, 'pinning twice is a no-op');

    const list = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/pins`);
    t.equal(list.status, 200);
    t.same(
      list.body.map((m: { id: string }) => m.id),
      [b.id, a.id],
      'most recently pinned first',
    );
    t.ok(list.body.every((m: { pinned: boolean }) => m.pinned));

    const updates = w.events('MESSAGE_UPDATE');
    t.equal(updates.length, 2, 'one MESSAGE_UPDATE per actual change');
    t.equal(updates[0]?.event.d['pinned'], true);
    const pins = w.events('CHANNEL_PINS_UPDATE');
    t.equal(pins.length, 2);
    t.match(pins[1]?.event, {
      guildId: w.guildId,
      channelId: w.general,
      d: { channel_id: w.general, guild_id: w.guildId },
    });
    const channel = await w.h.storage.channels.get(w.general);
    t.equal(
      pins[1]?.event.d['last_pin_timestamp'],
      new Date(channel?.lastPinTimestamp as number).toISOString(),
    );

    t.equal((await pin(w.owner, b.id, 'DELETE')).status, 204);
    const afterUnpin = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/pins`);
    t.same(
      afterUnpin.body.map((m: { id: string }) => m.id),
      [a.id],
    );
    t.equal(w.events('MESSAGE_UPDATE').at(-1)?.event.d['pinned'], false);
    t.equal(w.events('CHANNEL_PINS_UPDATE').length, 3);
    t.equal((await pin(w.owner, '123456789012345678')).body.code, 10008);
  },
);

t.test('a channel holds at most 50 pins', async (t) => {
  const w = await messagingWorld(t);
  const ids: string[] = [];
  for (let i = 0; i < 51; i++) ids.push((await w.send(w.owner, w.general, `m${i}`)).id);
  for (const id of ids.slice(0, 50))
    t.equal((await w.h.request(w.owner, 'PUT', `/api/v10/channels/${w.general}/pins/${id}`)).status, 204);
  const res = await w.h.request(w.owner, 'PUT', `/api/v10/channels/${w.general}/pins/${ids[50]}`);
  t.equal(res.status, 400);
  t.equal(res.body.code, 30003);
});

t.test('in a DM both recipients may pin', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const dm = await w.dm(alice, bob);
  const m = await w.send(alice, dm.id, 'remember this');
  t.equal((await w.h.request(bob, 'PUT', `/api/v10/channels/${dm.id}/pins/${m.id}`)).status, 204);
  const [update] = w.events('CHANNEL_PINS_UPDATE');
  t.equal(update?.event.guildId, null);
  t.same([...(update?.event.userIds ?? [])].sort(), [alice.id, bob.id].sort());
});
