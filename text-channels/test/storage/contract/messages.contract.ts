import type { Test } from 'tap';
import type { MessageRecord } from '../../../src/storage/records.js';
import {
  aChannel,
  aGuildWithChannel,
  aMessage,
  aReaction,
  byIdDesc,
  expectConflict,
  fresh,
  ids,
  nextId,
  type OpenTextStorage,
  seedMessages,
} from './fixtures.js';

/** Messages: creation and nonces, history paging, pins, edits and deletes. */
export function messagesContract(t: Test, open: OpenTextStorage): void {
  t.test('a created message reads back exactly as written, JSON fields included', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const message = aMessage(channel, {
      type: 19,
      content: `${'é🙂'.repeat(500)} and "quotes"`,
      nonce: 'nonce-1',
      mentionEveryone: true,
      mentionUserIds: [nextId(), nextId()],
      mentionRoleIds: [nextId()],
      attachments: [
        {
          id: nextId(),
          filename: 'cat.png',
          size: 1234,
          url: 'https://cdn.example/cat.png',
          contentType: 'image/png',
          width: 640,
          height: 480,
        },
      ],
      embeds: [
        {
          title: 'Embed',
          fields: [{ name: 'a', value: 'b', inline: true }],
          color: 123,
          nested: { x: [1, null] },
        },
      ],
      reference: { messageId: nextId(), channelId: channel.id, guildId: channel.guildId },
    });
    t.same(await s.messages.create(message), { message, created: true });
    t.same(await s.messages.get(channel.id, message.id), message);
    t.equal(await s.messages.get(nextId(), message.id), null, 'not in another channel');
    t.equal(await s.messages.get(channel.id, nextId()), null);
  });

  t.test('a reused message id is a STORE_CONFLICT on id', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const message = aMessage(channel);
    await s.messages.create(message);
    await expectConflict(t, s.messages.create({ ...message, content: 'other' }), 'id');
    t.same(await s.messages.get(channel.id, message.id), message);
  });

  t.test('a create that fails does not take concurrent creates down with it', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const taken = aMessage(channel);
    await s.messages.create(taken);
    const [before, clash, after] = [
      aMessage(channel),
      aMessage(channel, { id: taken.id }),
      aMessage(channel),
    ];
    const results = await Promise.allSettled([before, clash, after].map((m) => s.messages.create(m)));
    t.match(results[0], { status: 'fulfilled', value: { created: true } });
    t.match(results[1], { status: 'rejected', reason: { key: 'STORE_CONFLICT', params: { what: 'id' } } });
    t.match(results[2], { status: 'fulfilled', value: { created: true } });
    t.same(ids(await s.messages.list(channel.id, { limit: 10 })), [after.id, before.id, taken.id]);
  });

  t.test("creating a message advances its channel's lastMessageId, never backwards", async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const last = async () => (await s.channels.get(channel.id))?.lastMessageId;
    await s.messages.create(aMessage(channel, { id: '100' }));
    t.equal(await last(), '100');
    await s.messages.create(aMessage(channel, { id: '99' }));
    t.equal(await last(), '100', 'an older id (with fewer digits) does not move it back');
    await s.messages.create(aMessage(channel, { id: '1000' }));
    t.equal(await last(), '1000');
  });

  t.test('a retry with the same nonce returns the first message and creates nothing', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const first = aMessage(channel, { nonce: 'abc', content: 'first' });
    t.same(await s.messages.create(first), { message: first, created: true });
    const retry = aMessage(channel, { nonce: 'abc', content: 'retry' });
    t.same(await s.messages.create(retry), { message: first, created: false });
    t.equal(await s.messages.get(channel.id, retry.id), null, 'the retry was not stored');

    const otherAuthor = aMessage(channel, { nonce: 'abc', authorId: nextId() });
    t.equal((await s.messages.create(otherAuthor)).created, true, 'nonces are per author');
    const other = aChannel(channel.guildId ?? '');
    await s.channels.create(other);
    t.equal((await s.messages.create(aMessage(other, { nonce: 'abc' }))).created, true, 'and per channel');
    const plain = [aMessage(channel), aMessage(channel)];
    for (const m of plain) t.equal((await s.messages.create(m)).created, true, 'no nonce never dedupes');
    t.equal((await s.messages.list(channel.id, { limit: 100 })).length, 4);
  });

  t.test('twenty concurrent creates with one nonce store exactly one message', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const attempts = Array.from({ length: 20 }, (_, i) =>
      aMessage(channel, { nonce: 'same', content: `try ${i}` }),
    );
    const results = await Promise.all(attempts.map((m) => s.messages.create(m)));
    const created = results.filter((r) => r.created);
    t.equal(created.length, 1, 'exactly one create won');
    const winner = created[0]!.message;
    t.ok(
      results.every((r) => r.message.id === winner.id && r.message.content === winner.content),
      'every attempt answers with the winner',
    );
    t.same(ids(await s.messages.list(channel.id, { limit: 100 })), [winner.id]);
  });

  t.test('messages.getMany returns this channel’s known messages only', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const [a, b] = await seedMessages(s, channel, 2);
    const other = aChannel(guild.id);
    await s.channels.create(other);
    const elsewhere = aMessage(other);
    await s.messages.create(elsewhere);
    const found = await s.messages.getMany(channel.id, [b!.id, nextId(), elsewhere.id, 'x', a!.id]);
    t.same(ids(found).sort(byIdDesc), [b!.id, a!.id]);
    t.same(await s.messages.getMany(channel.id, []), []);
  });

  t.test('history is newest first by id as a number, across ids of different lengths', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const idsAsc = ['7', '30', '99', '100', '101', '999', '1000', '10000', '9223372036854775807'];
    for (const id of ['100', '9223372036854775807', '7', '1000', '99', '10000', '30', '999', '101']) {
      await s.messages.create(aMessage(channel, { id }));
    }
    const page = (query: Parameters<typeof s.messages.list>[1]) =>
      s.messages.list(channel.id, query).then(ids);
    t.same(await page({ limit: 100 }), [...idsAsc].reverse());
    t.same(await page({ before: '100', limit: 3 }), ['99', '30', '7']);
    t.same(
      await page({ after: '99', limit: 3 }),
      ['999', '101', '100'],
      'the three right after, newest first',
    );
    t.same(await page({ around: '100', limit: 4 }), ['101', '100', '99', '30']);
    t.same(await page({ before: '18446744073709551615', limit: 2 }), ['9223372036854775807', '10000']);
    t.same(await page({ after: '9223372036854775807', limit: 5 }), []);
    t.same(await page({ after: '0', limit: 2 }), ['30', '7']);
  });

  t.test('history pages honour before, after and around at their edges', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const m = ids(await seedMessages(s, channel, 150));
    const newestFirst = (from: number, to: number) => m.slice(from, to + 1).reverse();
    const page = (query: Parameters<typeof s.messages.list>[1]) =>
      s.messages.list(channel.id, query).then(ids);

    t.same(await page({ limit: 100 }), newestFirst(50, 149), 'newest 100');
    t.same(await page({ limit: 1 }), [m[149]], 'newest 1');
    t.same(await page({ before: m[100]!, limit: 100 }), newestFirst(0, 99));
    t.same(await page({ before: m[50]!, limit: 100 }), newestFirst(0, 49), 'a short last page');
    t.same(await page({ before: m[10]!, limit: 1 }), [m[9]]);
    t.same(await page({ before: m[0]!, limit: 100 }), [], 'nothing before the first');
    t.same(
      await page({ after: m[0]!, limit: 100 }),
      newestFirst(1, 100),
      'the 100 right after, newest first',
    );
    t.same(await page({ after: m[140]!, limit: 100 }), newestFirst(141, 149));
    t.same(await page({ after: m[10]!, limit: 1 }), [m[11]]);
    t.same(await page({ after: m[149]!, limit: 100 }), [], 'nothing after the last');
    t.same(
      await page({ around: m[75]!, limit: 100 }),
      newestFirst(25, 124),
      '50 older, the message and 49 newer',
    );
    t.same(await page({ around: m[75]!, limit: 1 }), [m[75]], 'around with limit 1 is the message itself');
    t.same(await page({ around: m[75]!, limit: 3 }), newestFirst(74, 76));
    t.same(await page({ around: m[2]!, limit: 10 }), newestFirst(0, 6), 'near the start: fewer older');
    t.same(await page({ around: m[148]!, limit: 10 }), newestFirst(143, 149), 'near the end: fewer newer');
    const between = (BigInt(m[75]!) + 1n).toString();
    t.same(await page({ around: between, limit: 4 }), newestFirst(74, 77), 'around an id that is no message');
    t.same(await page({ before: 'not-a-snowflake', limit: 10 }), [], 'a malformed cursor finds nothing');
    t.same(await s.messages.list(nextId(), { limit: 10 }), [], 'an unknown channel has no history');
  });

  t.test('walking history backwards page by page visits every message once', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const all = ids(await seedMessages(s, channel, 130)).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await s.messages.list(
        channel.id,
        before === undefined ? { limit: 25 } : { before, limit: 25 },
      );
      if (page.length === 0) break;
      seen.push(...ids(page));
      before = page.at(-1)!.id;
    }
    t.same(seen, all);
  });

  t.test('pinned messages are listed most recently pinned first', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [a, b, c, d] = await seedMessages(s, channel, 4);
    await s.messages.update(channel.id, a!.id, { pinned: true, pinnedAt: 10 });
    await s.messages.update(channel.id, b!.id, { pinned: true, pinnedAt: 30 });
    await s.messages.update(channel.id, c!.id, { pinned: true, pinnedAt: 20 });
    t.same(ids(await s.messages.listPinned(channel.id)), [b!.id, c!.id, a!.id]);
    await s.messages.update(channel.id, c!.id, { pinned: false, pinnedAt: null });
    t.same(
      ids(await s.messages.listPinned(channel.id)),
      [b!.id, a!.id],
      'an unpinned message leaves the list',
    );
    t.equal((await s.messages.get(channel.id, d!.id))?.pinned, false);
    t.same(await s.messages.listPinned(nextId()), []);
  });

  t.test('editing content keeps the previous versions, oldest first', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const message = aMessage(channel, { content: 'v1' });
    await s.messages.create(message);
    const v2 = await s.messages.update(channel.id, message.id, { content: 'v2', editedAt: 100 });
    t.same(v2, { ...message, content: 'v2', editedAt: 100 });
    await s.messages.update(channel.id, message.id, { content: 'v3', editedAt: 200 });
    await s.messages.update(channel.id, message.id, { pinned: true, pinnedAt: 250 });
    await s.messages.update(channel.id, message.id, { content: 'v3', editedAt: 300 });
    t.same(
      await s.messages.listEdits(message.id),
      [
        { messageId: message.id, content: 'v1', editedAt: 100 },
        { messageId: message.id, content: 'v2', editedAt: 200 },
      ],
      'only content changes are history',
    );
    t.same(await s.messages.get(channel.id, message.id), {
      ...message,
      content: 'v3',
      pinned: true,
      pinnedAt: 250,
      editedAt: 300,
    });
    t.same(await s.messages.listEdits(nextId()), []);
  });

  t.test('messages.update replaces embeds, attachments and mentions, and misses politely', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const message = aMessage(channel, { embeds: [{ title: 'old' }], mentionUserIds: [nextId()] });
    await s.messages.create(message);
    const patch = {
      embeds: [],
      attachments: [
        { id: nextId(), filename: 'a.txt', size: 1, url: 'u', contentType: null, width: null, height: null },
      ],
      mentionUserIds: [],
      mentionRoleIds: [nextId()],
      mentionEveryone: true,
    };
    const expected: MessageRecord = { ...message, ...patch };
    t.same(await s.messages.update(channel.id, message.id, patch), expected);
    t.same(await s.messages.get(channel.id, message.id), expected);
    t.same(await s.messages.listEdits(message.id), [], 'no content change, no history');
    t.equal(await s.messages.update(nextId(), message.id, { content: 'x' }), null, 'wrong channel');
    t.equal(await s.messages.update(channel.id, nextId(), { content: 'x' }), null);
  });

  t.test('deleting a message removes its reactions and edit history', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [doomed, kept] = await seedMessages(s, channel, 2);
    await s.messages.update(channel.id, doomed!.id, { content: 'edited', editedAt: 5 });
    await s.reactions.add(aReaction(doomed!));
    await s.reactions.add(aReaction(kept!));
    t.equal(await s.messages.delete(nextId(), doomed!.id), false, 'not from another channel');
    t.equal(await s.messages.delete(channel.id, doomed!.id), true);
    t.equal(await s.messages.get(channel.id, doomed!.id), null);
    t.same(await s.messages.listEdits(doomed!.id), []);
    t.same((await s.reactions.counts([doomed!.id], nextId())).get(doomed!.id), []);
    t.equal((await s.reactions.counts([kept!.id], nextId())).get(kept!.id)?.length, 1, 'others keep theirs');
    t.equal(await s.messages.delete(channel.id, doomed!.id), false);
  });

  t.test(
    'bulkDelete deletes the listed messages of the channel and reports those that existed',
    async (t) => {
      const s = await fresh(t, open);
      const { guild, channel } = await aGuildWithChannel(s);
      const m = await seedMessages(s, channel, 5);
      const other = aChannel(guild.id);
      await s.channels.create(other);
      const elsewhere = aMessage(other);
      await s.messages.create(elsewhere);
      await s.reactions.add(aReaction(m[1]!));
      const unknown = nextId();
      const deleted = await s.messages.bulkDelete(channel.id, [
        m[3]!.id,
        unknown,
        m[1]!.id,
        m[1]!.id,
        elsewhere.id,
      ]);
      t.same(deleted, [m[3]!.id, m[1]!.id], 'existing ids, in the given order, once');
      t.same(ids(await s.messages.list(channel.id, { limit: 10 })), [m[4]!.id, m[2]!.id, m[0]!.id]);
      t.same(await s.messages.get(other.id, elsewhere.id), elsewhere, 'another channel is untouched');
      t.same((await s.reactions.counts([m[1]!.id], nextId())).get(m[1]!.id), []);
      t.same(await s.messages.bulkDelete(channel.id, []), []);
    },
  );
}
