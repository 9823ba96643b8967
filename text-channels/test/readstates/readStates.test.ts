import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { loadReadStates, UNREAD_CAP } from '../../src/readstates/loadReadStates.js';
import { messagingWorld } from '../messages/messagingWorld.js';

t.test(
  'mentions count until the user acks; acks never move backwards; MESSAGE_ACK to the user only',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const bob = await w.member('bob');
    const m1 = await w.send(alice, w.general, `hey <@${bob.id}>`);
    const m2 = await w.send(alice, w.general, 'no mention');
    const m3 = await w.send(w.owner, w.general, '@everyone meeting');
    const ctx = w.h.app.ctx;

    let [state] = await loadReadStates(ctx, bob.id, [w.general]);
    t.same(state, { id: w.general, last_message_id: null, mention_count: 2, unread_count: 3 });
    [state] = await loadReadStates(ctx, alice.id, [w.general]);
    t.equal(state?.mention_count, 1, '@everyone counts for alice; her own mention does not');

    const ack = (id: string) =>
      w.h.request(bob, 'POST', `/api/v10/channels/${w.general}/messages/${id}/ack`, { token: null });
    let res = await ack(m2.id);
    t.equal(res.status, 200);
    t.same(res.body, { token: null });
    [state] = await loadReadStates(ctx, bob.id, [w.general]);
    t.same(state, { id: w.general, last_message_id: m2.id, mention_count: 0, unread_count: 1 });

    res = await ack(m1.id);
    t.equal(res.status, 200);
    [state] = await loadReadStates(ctx, bob.id, [w.general]);
    t.equal(state?.last_message_id, m2.id, 'an older ack does not move the read state back');

    await ack(m3.id);
    const acks = w.events('MESSAGE_ACK');
    t.equal(acks.length, 3);
    t.match(acks[2]?.event, {
      guildId: null,
      userIds: [bob.id],
      intent: null,
      d: { channel_id: w.general, message_id: m3.id },
    });

    res = await w.h.request(bob, 'POST', `/api/v10/channels/${w.general}/messages/${m3.id}/ack`);
    t.equal(res.status, 200, 'the body is optional');
    res = await w.h.request(bob, 'POST', `/api/v10/channels/${w.general}/messages/${m3.id}/ack`, { nope: 1 });
    t.equal(res.body.code, 50035);
    res = await w.h.request(
      bob,
      'POST',
      `/api/v10/channels/${w.general}/messages/123456789012345678/ack`,
      {},
    );
    t.equal(res.body.code, 10008);
    const bot = await w.member('bot', { bot: true, scopes: ['messages.read', 'messages.write'] });
    res = await w.h.request(bot, 'POST', `/api/v10/channels/${w.general}/messages/${m3.id}/ack`, {});
    t.equal(res.status, 403, 'bots have no read states');
  },
);

t.test('unread counts are capped; a hidden channel cannot be acked', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  for (let i = 0; i < UNREAD_CAP + 3; i++) await w.send(w.owner, w.general, `m${i}`);
  const [state] = await loadReadStates(w.h.app.ctx, alice.id, [w.general]);
  t.equal(state?.unread_count, UNREAD_CAP);

  const hidden = await w.textChannel('hidden', [
    { id: alice.id, type: 1, allow: '0', deny: String(Permissions.VIEW_CHANNEL) },
  ]);
  const m = await w.send(w.owner, hidden.id, 'secret');
  const res = await w.h.request(alice, 'POST', `/api/v10/channels/${hidden.id}/messages/${m.id}/ack`, {});
  t.equal(res.status, 403);
  t.same(await loadReadStates(w.h.app.ctx, alice.id, []), []);
});
