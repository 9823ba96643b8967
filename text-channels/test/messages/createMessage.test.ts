import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from './messagingWorld.js';

const P = Permissions;

t.test(
  'a member posts a message: stored before the answer, Discord-shaped, MESSAGE_CREATE for the guild',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const res = await w.post(alice, w.general, { content: 'hello world' });
    t.equal(res.status, 200);
    const m = res.body;
    t.match(m, {
      id: /^[0-9]+$/,
      channel_id: w.general,
      guild_id: w.guildId,
      author: { id: alice.id, username: 'alice', bot: false },
      content: 'hello world',
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type: 0,
      edited_timestamp: null,
    });
    t.equal(new Date(m.timestamp).toISOString(), m.timestamp, 'timestamp is ISO 8601');
    t.notOk('referenced_message' in m, 'not a reply');

    const stored = await w.h.storage.messages.get(w.general, m.id);
    t.equal(stored?.content, 'hello world');
    const channel = await w.h.storage.channels.get(w.general);
    t.equal(channel?.lastMessageId, m.id, 'last_message_id moved');

    const [created] = w.events('MESSAGE_CREATE');
    t.ok(created);
    t.equal(created?.event.guildId, w.guildId);
    t.equal(created?.event.channelId, w.general);
    t.equal(created?.event.intent, 1 << 9, 'GUILD_MESSAGES');
    t.same(created?.event.messageContent, { authorId: alice.id, mentionUserIds: [] });
    t.equal(created?.event.d['id'], m.id);
    t.match(created?.event.d['member'], { roles: [], joined_at: String });
    t.notOk((created?.event.d['member'] as Record<string, unknown>)['user'], 'the author member is partial');
  },
);

t.test('who may post: non-member, no VIEW_CHANNEL, no SEND_MESSAGES, timed out, bot scopes', async (t) => {
  const w = await messagingWorld(t);
  const outsider = await w.h.user('outsider');
  let res = await w.post(outsider, w.general, { content: 'hi' });
  t.equal(res.status, 403, 'a non-member');
  t.equal(res.body.code, 50001);

  const blind = await w.member('blind');
  const hidden = await w.textChannel('hidden', [
    { id: blind.id, type: 1, allow: '0', deny: String(P.VIEW_CHANNEL) },
  ]);
  res = await w.post(blind, hidden.id, { content: 'hi' });
  t.equal(res.status, 403, 'a member without VIEW_CHANNEL');
  t.equal(res.body.code, 50001);

  const mute = await w.member('mute');
  const readonly = await w.textChannel('announcements', [
    { id: w.guildId, type: 0, allow: '0', deny: String(P.SEND_MESSAGES) },
  ]);
  res = await w.post(mute, readonly.id, { content: 'hi' });
  t.equal(res.status, 403, 'a member without SEND_MESSAGES');
  t.equal(res.body.code, 50013);

  const timedOut = await w.member('timedout');
  await w.h.storage.members.update(w.guildId, timedOut.id, {
    communicationDisabledUntil: Date.now() + 3_600_000,
  });
  res = await w.post(timedOut, w.general, { content: 'hi' });
  t.equal(res.status, 403, 'a timed-out member');
  t.equal(res.body.code, 90104);
  const history = await w.h.request(timedOut, 'GET', `/api/v10/channels/${w.general}/messages`);
  t.equal(history.status, 200, 'a timed-out member still reads');

  const readBot = await w.member('readbot', { bot: true, scopes: ['messages.read'] });
  res = await w.post(readBot, w.general, { content: 'hi' });
  t.equal(res.status, 403, 'a bot without messages.write');
  t.equal(res.body.code, 50001);
  t.equal((await w.h.request(readBot, 'GET', `/api/v10/channels/${w.general}/messages`)).status, 200);
  const noScopes = await w.member('blindbot', { bot: true, scopes: ['messages.write'] });
  t.equal((await w.h.request(noScopes, 'GET', `/api/v10/channels/${w.general}/messages`)).status, 403);
  const writeBot = await w.member('writebot', { bot: true, scopes: ['messages.write'] });
  t.equal((await w.post(writeBot, w.general, { content: 'beep' })).status, 200, 'a bot with messages.write');

  t.equal(w.events('MESSAGE_CREATE').length, 1, 'only the bot message was published');
  t.equal((await w.h.storage.messages.list(w.general, { limit: 100 })).length, 1);
});

t.test('DMs: only the two recipients post; events go to exactly them under DIRECT_MESSAGES', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const eve = await w.member('eve');
  const dm = await w.dm(alice, bob);
  const m = await w.send(alice, dm.id, 'psst');
  t.notOk('guild_id' in m);
  const res = await w.post(eve, dm.id, { content: 'let me in' });
  t.equal(res.status, 403);
  t.equal(res.body.code, 50001);
  const [created] = w.events('MESSAGE_CREATE');
  t.equal(created?.event.guildId, null);
  t.equal(created?.event.intent, 1 << 12, 'DIRECT_MESSAGES');
  t.same([...(created?.event.userIds ?? [])].sort(), [alice.id, bob.id].sort());
  t.notOk(created?.event.d['member']);
});

t.test('only text channels take messages; unknown channels are 10003', async (t) => {
  const w = await messagingWorld(t);
  const channels = await w.h.storage.channels.listByGuild(w.guildId);
  const voice = channels.find((c) => c.type === 2);
  const category = channels.find((c) => c.type === 4);
  t.ok(voice && category);
  for (const c of [voice, category]) {
    const res = await w.post(w.owner, c?.id as string, { content: 'hi' });
    t.equal(res.status, 400);
    t.equal(res.body.code, 50008);
  }
  const res = await w.post(w.owner, '123456789012345678', { content: 'hi' });
  t.equal(res.status, 404);
  t.equal(res.body.code, 10003);
});

t.test(
  'validation: 2001 characters, empty messages, unknown fields, bad snowflakes, bad nonces',
  async (t) => {
    const w = await messagingWorld(t);
    const url = `/api/v10/channels/${w.general}/messages`;
    let res = await w.post(w.owner, w.general, { content: 'x'.repeat(2001) });
    t.equal(res.status, 400);
    t.equal(res.body.code, 50035);
    t.equal(res.body.errors.content._errors[0].code, 'BASE_TYPE_MAX_LENGTH');
    t.equal((await w.post(w.owner, w.general, { content: 'x'.repeat(2000) })).status, 200, '2000 is fine');

    res = await w.post(w.owner, w.general, { content: '   ' });
    t.equal(res.body.code, 50006, 'whitespace only is empty');
    res = await w.post(w.owner, w.general, {});
    t.equal(res.body.code, 50006);

    res = await w.post(w.owner, w.general, { content: 'hi', sneaky: true });
    t.equal(res.body.code, 50035);
    t.equal(res.body.errors.sneaky._errors[0].code, 'UNKNOWN_FIELD');

    res = await w.h.request(w.owner, 'POST', '/api/v10/channels/not-a-snowflake/messages', { content: 'hi' });
    t.equal(res.status, 400);
    t.equal(res.body.code, 50035);
    res = await w.h.request(w.owner, 'GET', `${url}/12abc`);
    t.equal(res.body.code, 50035);

    res = await w.post(w.owner, w.general, { content: 'hi', nonce: 'x'.repeat(26) });
    t.equal(res.body.code, 50035, 'a nonce of 26 characters');
    res = await w.post(w.owner, w.general, { content: 'hi', nonce: 1.5 });
    t.equal(res.body.code, 50035, 'a fractional nonce');

    res = await w.post(w.owner, w.general, {
      content: 'hi',
      attachments: [{ filename: 'a.png', size: 10, url: 'javascript:alert(1)' }],
    });
    t.equal(res.body.code, 50035, 'attachment urls are http(s)');

    res = await w.h.request(w.owner, 'GET', `${url}?limit=101`);
    t.equal(res.body.code, 50035);
    res = await w.h.request(w.owner, 'GET', `${url}?limit=0`);
    t.equal(res.body.code, 50035);
    res = await w.h.request(w.owner, 'GET', `${url}?before=1&after=2`);
    t.equal(res.body.code, 50035, 'before and after together');
    res = await w.h.request(w.owner, 'GET', `${url}/123456789012345678`);
    t.equal(res.status, 404);
    t.equal(res.body.code, 10008);
  },
);

t.test('a nonce makes a retry return the first message and publish nothing new', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const first = await w.post(alice, w.general, { content: 'once', nonce: 'n-1', enforce_nonce: true });
  const again = await w.post(alice, w.general, {
    content: 'once (retry)',
    nonce: 'n-1',
    enforce_nonce: true,
  });
  t.equal(first.status, 200);
  t.equal(again.status, 200);
  t.equal(again.body.id, first.body.id);
  t.equal(again.body.content, 'once');
  t.equal(again.body.nonce, 'n-1');
  t.equal(w.events('MESSAGE_CREATE').length, 1, 'one event');

  const intNonce = await w.post(alice, w.general, { content: 'int', nonce: 42 });
  t.equal(intNonce.body.nonce, 42, 'an integer nonce comes back as sent');

  const bob = await w.member('bob');
  const other = await w.post(bob, w.general, { content: 'same nonce, other author', nonce: 'n-1' });
  t.not(other.body.id, first.body.id, 'nonces are per author');

  const racers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => w.post(alice, w.general, { content: `race ${i}`, nonce: 'race' })),
  );
  t.ok(racers.every((r) => r.status === 200));
  t.equal(new Set(racers.map((r) => r.body.id)).size, 1, '10 concurrent posts with one nonce: one message');
  const stored = await w.h.storage.messages.list(w.general, { limit: 100 });
  t.equal(stored.filter((m) => m.content.startsWith('race')).length, 1);
  t.equal(w.events('MESSAGE_CREATE').length, 4, 'one event per message');
});

t.test(
  'replies: type 19 with referenced_message; across channels and missing targets are refused',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const bob = await w.member('bob');
    const original = await w.send(alice, w.general, 'question?');
    const reply = await w.send(bob, w.general, 'answer', {
      message_reference: { message_id: original.id, channel_id: w.general, guild_id: w.guildId },
    });
    t.equal(reply.type, 19);
    t.same(reply.message_reference, {
      type: 0,
      message_id: original.id,
      channel_id: w.general,
      guild_id: w.guildId,
    });
    t.equal(reply.referenced_message.id, original.id);
    t.equal(reply.referenced_message.content, 'question?');
    t.same(
      reply.mentions.map((u: { id: string }) => u.id),
      [alice.id],
      'the replied-to author is pinged by default',
    );

    const quiet = await w.send(bob, w.general, 'quiet answer', {
      message_reference: { message_id: original.id },
      allowed_mentions: { parse: [], replied_user: false },
    });
    t.same(quiet.mentions, [], 'replied_user: false does not ping');

    const fetched = await w.h.request(bob, 'GET', `/api/v10/channels/${w.general}/messages/${reply.id}`);
    t.equal(fetched.body.referenced_message.id, original.id);

    let res = await w.post(bob, w.general, {
      content: 'x',
      message_reference: { message_id: '123456789012345678' },
    });
    t.equal(res.status, 400);
    t.equal(res.body.code, 90106);
    res = await w.post(bob, w.general, {
      content: 'x',
      message_reference: { message_id: '123456789012345678', fail_if_not_exists: false },
    });
    t.equal(res.status, 200);
    t.equal(res.body.type, 0, 'fail_if_not_exists: false sends a plain message');

    const other = await w.textChannel('other');
    res = await w.post(bob, other.id, {
      content: 'x',
      message_reference: { message_id: original.id, channel_id: w.general },
    });
    t.equal(res.body.code, 50035);

    await w.h.storage.messages.delete(w.general, original.id);
    const after = await w.h.request(bob, 'GET', `/api/v10/channels/${w.general}/messages/${reply.id}`);
    t.equal(after.body.referenced_message, null, 'a deleted target shows as null');
  },
);

t.test(
  'mentions: users and mentionable roles count; @everyone and other roles need MENTION_EVERYONE',
  async (t) => {
    const w = await messagingWorld(t);
    // @everyone loses MENTION_EVERYONE; a "mods" role has it.
    const everyone = (await w.h.storage.roles.get(w.guildId, w.guildId))?.permissions ?? '0';
    await w.h.storage.roles.update(w.guildId, w.guildId, {
      permissions: (BigInt(everyone) & ~P.MENTION_EVERYONE).toString(),
    });
    const mods = await w.role('mods', P.MENTION_EVERYONE);
    const fans = await w.role('fans', 0n, { mentionable: true });
    const secret = await w.role('secret', 0n, { mentionable: false });
    const alice = await w.member('alice');
    const mod = await w.member('mod', { roleIds: [mods.id] });
    const outsider = await w.h.user('outsider');

    const plain = await w.send(
      alice,
      w.general,
      `@everyone <@${mod.id}> <@!${mod.id}> <@&${fans.id}> <@&${secret.id}> <@${outsider.id}>`,
    );
    t.equal(plain.mention_everyone, false, '@everyone without MENTION_EVERYONE is not a mention');
    t.same(plain.mention_roles, [fans.id], 'only the mentionable role');
    t.same(
      plain.mentions.map((u: { id: string }) => u.id),
      [mod.id],
      'members only, once',
    );
    const [created] = w.events('MESSAGE_CREATE');
    t.same(created?.event.messageContent?.mentionUserIds, [mod.id]);

    const loud = await w.send(mod, w.general, `@here <@&${secret.id}>`);
    t.equal(loud.mention_everyone, true, '@here with MENTION_EVERYONE');
    t.same(loud.mention_roles, [secret.id]);

    const gated = await w.send(mod, w.general, `@everyone <@${alice.id}> <@&${fans.id}>`, {
      allowed_mentions: { parse: ['roles'] },
    });
    t.equal(gated.mention_everyone, false, 'allowed_mentions without everyone');
    t.same(gated.mentions, [], 'allowed_mentions without users');
    t.same(gated.mention_roles, [fans.id]);

    const listed = await w.send(mod, w.general, `<@${alice.id}> <@${mod.id}>`, {
      allowed_mentions: { users: [alice.id] },
    });
    t.same(
      listed.mentions.map((u: { id: string }) => u.id),
      [alice.id],
    );

    const res = await w.post(mod, w.general, {
      content: `<@${alice.id}>`,
      allowed_mentions: { parse: ['users'], users: [alice.id] },
    });
    t.equal(res.body.code, 50035, 'parse users with a users list is refused');
  },
);

t.test('attachments are metadata; embeds are for bots and bounded', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const m = await w.send(alice, w.general, '', {
    attachments: [
      {
        id: 0,
        filename: 'cat.png',
        size: 1234,
        url: 'https://cdn.example/cat.png',
        content_type: 'image/png',
        width: 64,
        height: 48,
      },
    ],
  });
  t.equal(m.attachments.length, 1);
  t.match(m.attachments[0], {
    id: /^[0-9]+$/,
    filename: 'cat.png',
    size: 1234,
    url: 'https://cdn.example/cat.png',
    content_type: 'image/png',
    width: 64,
    height: 48,
  });
  let res = await w.post(alice, w.general, { embeds: [{ title: 'hi' }] });
  t.equal(res.body.code, 50035, 'a user cannot send embeds');

  const bot = await w.member('bot', { bot: true, scopes: ['messages.write', 'messages.read'] });
  const embed = { title: 'Status', description: 'ok', fields: [{ name: 'a', value: 'b' }], custom: { x: 1 } };
  res = await w.post(bot, w.general, { embeds: [embed] });
  t.equal(res.status, 200);
  t.same(res.body.embeds, [embed], 'passed through as sent');
  res = await w.post(bot, w.general, { embeds: [{ description: 'x'.repeat(6001) }] });
  t.equal(res.body.code, 50035, 'over 6000 characters of embed text');
  res = await w.post(bot, w.general, { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) });
  t.equal(res.body.code, 50035, 'more than 10 embeds');
});

t.test('slowmode: one message per interval per user; moderators and bots are exempt', async (t) => {
  const w = await messagingWorld(t);
  await w.slowmode(w.general, 60);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  t.equal((await w.post(alice, w.general, { content: 'one' })).status, 200);
  const second = await w.post(alice, w.general, { content: 'two' });
  t.equal(second.status, 429);
  t.equal(second.body.code, 20016);
  t.ok(second.body.retry_after > 0 && second.body.retry_after <= 60, 'retry_after in seconds');
  t.ok(Number(second.headers.get('retry-after')) >= 1);
  t.equal((await w.post(bob, w.general, { content: 'bob is separate' })).status, 200, 'per user');
  const other = await w.textChannel('other');
  await w.slowmode(other.id, 60);
  t.equal((await w.post(alice, other.id, { content: 'per channel' })).status, 200);
  t.equal((await w.post(w.owner, w.general, { content: 'a' })).status, 200);
  t.equal(
    (await w.post(w.owner, w.general, { content: 'b' })).status,
    200,
    'the owner (MANAGE_MESSAGES) is exempt',
  );
  const bot = await w.member('bot', { bot: true, scopes: ['messages.write'] });
  t.equal((await w.post(bot, w.general, { content: 'a' })).status, 200);
  t.equal((await w.post(bot, w.general, { content: 'b' })).status, 200, 'bots are exempt');
  const refused = await w.post(alice, w.general, { content: 'still slow' });
  t.equal(refused.status, 429);
});

t.test('a member who cannot view the channel is not counted as mentioned', async (t) => {
  const w = await messagingWorld(t);
  const alice = await w.member('alice');
  const bob = await w.member('bob');
  const hidden = await w.textChannel('hidden', [
    { id: bob.id, type: 1, allow: '0', deny: String(P.VIEW_CHANNEL) },
  ]);
  await w.send(alice, hidden.id, `<@${bob.id}> @everyone`);
  t.equal(await w.h.storage.readStates.get(bob.id, hidden.id), null, 'no read state for the hidden channel');
});
