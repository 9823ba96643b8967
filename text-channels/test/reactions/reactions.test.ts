import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from '../messages/messagingWorld.js';

const enc = encodeURIComponent;

t.test('reactions: counts and me on the message, listing users, MESSAGE_REACTION_ADD/REMOVE', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const m = await w.send(alice, w.general, 'react to me');
  const base = `/api/v10/channels/${w.general}/messages/${m.id}/reactions`;

  t.equal((await w.h.request(alice, 'PUT', `${base}/${enc('👍')}/@me`)).status, 204);
  t.equal((await w.h.request(bob, 'PUT', `${base}/${enc('👍')}/@me`)).status, 204);
  t.equal((await w.h.request(bob, 'PUT', `${base}/${enc('👍')}/@me`)).status, 204, 'twice is fine');
  t.equal((await w.h.request(bob, 'PUT', `${base}/${enc('🎉')}/@me`)).status, 204);

  const seenByAlice = (await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`))
    .body;
  t.match(seenByAlice.reactions, [
    { count: 2, me: true, emoji: { id: null, name: '👍' } },
    { count: 1, me: false, emoji: { id: null, name: '🎉' } },
  ]);
  const seenByBob = (await w.h.request(bob, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`)).body;
  t.same(
    seenByBob.reactions.map((r: { me: boolean }) => r.me),
    [true, true],
  );

  const users = await w.h.request(alice, 'GET', `${base}/${enc('👍')}`);
  t.equal(users.status, 200);
  t.same(users.body.map((u: { id: string }) => u.id).sort(), [alice.id, bob.id].sort());
  const page = await w.h.request(alice, 'GET', `${base}/${enc('👍')}?limit=1`);
  t.equal(page.body.length, 1);
  const next = await w.h.request(alice, 'GET', `${base}/${enc('👍')}?limit=1&after=${page.body[0].id}`);
  t.equal(next.body.length, 1);
  t.not(next.body[0].id, page.body[0].id, 'after pages on');

  const adds = w.events('MESSAGE_REACTION_ADD');
  t.equal(adds.length, 3, 'one event per new reaction');
  t.match(adds[0]?.event, {
    guildId: w.guildId,
    channelId: w.general,
    intent: 1 << 10,
    d: {
      user_id: alice.id,
      channel_id: w.general,
      message_id: m.id,
      guild_id: w.guildId,
      emoji: { id: null, name: '👍' },
      message_author_id: alice.id,
      member: { user: { id: alice.id } },
    },
  });

  t.equal((await w.h.request(bob, 'DELETE', `${base}/${enc('👍')}/@me`)).status, 204);
  const removes = w.events('MESSAGE_REACTION_REMOVE');
  t.equal(removes.length, 1);
  t.match(removes[0]?.event.d, { user_id: bob.id, message_id: m.id, emoji: { name: '👍' } });
  const after = (await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`)).body;
  t.equal(after.reactions[0].count, 1);
});

t.test(
  'reaction permissions: ADD_REACTIONS for a new emoji only, moderation needs MANAGE_MESSAGES',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const quiet = await w.member('quiet');
    await w.overwrite(w.general, [
      { id: quiet.id, type: 1, allow: '0', deny: String(Permissions.ADD_REACTIONS) },
    ]);
    const m = await w.send(alice, w.general, 'hello');
    const base = `/api/v10/channels/${w.general}/messages/${m.id}/reactions`;

    let res = await w.h.request(quiet, 'PUT', `${base}/${enc('🔥')}/@me`);
    t.equal(res.status, 403, 'a new emoji needs ADD_REACTIONS');
    t.equal(res.body.code, 50013);
    await w.h.request(alice, 'PUT', `${base}/${enc('🔥')}/@me`);
    res = await w.h.request(quiet, 'PUT', `${base}/${enc('🔥')}/@me`);
    t.equal(res.status, 204, 'joining an existing reaction does not');

    res = await w.h.request(quiet, 'DELETE', `${base}/${enc('🔥')}/${alice.id}`);
    t.equal(res.status, 403, "removing someone else's needs MANAGE_MESSAGES");
    res = await w.h.request(w.owner, 'DELETE', `${base}/${enc('🔥')}/${alice.id}`);
    t.equal(res.status, 204);
    t.match(w.events('MESSAGE_REACTION_REMOVE')[0]?.event.d, { user_id: alice.id });

    await w.h.request(alice, 'PUT', `${base}/${enc('✅')}/@me`);
    res = await w.h.request(alice, 'DELETE', `${base}/${enc('✅')}`);
    t.equal(res.status, 403);
    res = await w.h.request(w.owner, 'DELETE', `${base}/${enc('✅')}`);
    t.equal(res.status, 204);
    t.match(w.events('MESSAGE_REACTION_REMOVE_EMOJI')[0]?.event.d, {
      message_id: m.id,
      emoji: { id: null, name: '✅' },
    });

    res = await w.h.request(alice, 'DELETE', base);
    t.equal(res.status, 403);
    res = await w.h.request(w.owner, 'DELETE', base);
    t.equal(res.status, 204);
    t.equal(w.events('MESSAGE_REACTION_REMOVE_ALL').length, 1);
    const bare = (await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`)).body;
    t.notOk(bare.reactions, 'no reactions left');

    const timedOut = await w.member('timedout');
    await w.h.request(alice, 'PUT', `${base}/${enc('🔥')}/@me`);
    await w.h.storage.members.update(w.guildId, timedOut.id, {
      communicationDisabledUntil: Date.now() + 60_000,
    });
    res = await w.h.request(timedOut, 'PUT', `${base}/${enc('🔥')}/@me`);
    t.equal(res.status, 403, 'a timed-out member cannot react');
    t.equal(res.body.code, 90104);

    const bot = await w.member('bot', { bot: true, scopes: ['messages.read', 'messages.write'] });
    res = await w.h.request(bot, 'PUT', `${base}/${enc('🔥')}/@me`);
    t.equal(res.status, 403, 'a bot without reactions.write');
    const reactor = await w.member('reactor', { bot: true, scopes: ['reactions.write'] });
    t.equal((await w.h.request(reactor, 'PUT', `${base}/${enc('🔥')}/@me`)).status, 204);
  },
);

t.test(
  'reaction input: unicode emoji only (10014), at most 20 distinct, unknown message 10008',
  async (t) => {
    const w = await messagingWorld(t);
    const m = await w.send(w.owner, w.general, 'hello');
    const base = `/api/v10/channels/${w.general}/messages/${m.id}/reactions`;
    for (const bad of ['a', 'hello', 'name:123456789012345678', '👍👍']) {
      const res = await w.h.request(w.owner, 'PUT', `${base}/${enc(bad)}/@me`);
      t.equal(res.status, 400, `"${bad}" is not an emoji`);
      t.equal(res.body.code, 10014);
    }
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    t.equal(emoji.length, 20);
    for (const e of emoji) t.equal((await w.h.request(w.owner, 'PUT', `${base}/${enc(e)}/@me`)).status, 204);
    const res = await w.h.request(w.owner, 'PUT', `${base}/${enc('🤔')}/@me`);
    t.equal(res.status, 400);
    t.equal(res.body.code, 30010, 'the 21st distinct emoji');

    const unknown = await w.h.request(
      w.owner,
      'PUT',
      `/api/v10/channels/${w.general}/messages/123456789012345678/reactions/${enc('👍')}/@me`,
    );
    t.equal(unknown.body.code, 10008);
  },
);

t.test('reactions in a DM go to the two recipients under DIRECT_MESSAGE_REACTIONS', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const dm = await w.dm(alice, bob);
  const m = await w.send(alice, dm.id, 'hi');
  const res = await w.h.request(
    bob,
    'PUT',
    `/api/v10/channels/${dm.id}/messages/${m.id}/reactions/${enc('👋')}/@me`,
  );
  t.equal(res.status, 204);
  const [add] = w.events('MESSAGE_REACTION_ADD');
  t.equal(add?.event.guildId, null);
  t.equal(add?.event.intent, 1 << 13);
  t.same([...(add?.event.userIds ?? [])].sort(), [alice.id, bob.id].sort());
  t.notOk(add?.event.d['member']);
});
