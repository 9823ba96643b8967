import type { Test } from 'tap';
import type { SearchQuery } from '../../../src/storage/ports.js';
import {
  aChannel,
  aGuildWithChannel,
  aMessage,
  fresh,
  ids,
  nextId,
  type OpenTextStorage,
  seedMessages,
} from './fixtures.js';

/** Message search (FTS5 / MongoDB text index) and unread counting. */
export function searchContract(t: Test, open: OpenTextStorage): void {
  t.test('search finds messages holding every term, case-insensitively, newest first', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const both = aMessage(channel, { content: 'The Quick brown fox' });
    const onlyQuick = aMessage(channel, { content: 'quick thinking' });
    const both2 = aMessage(channel, { content: 'fox, QUICK as ever!' });
    const neither = aMessage(channel, { content: 'nothing to see' });
    for (const m of [both, onlyQuick, both2, neither]) await s.messages.create(m);
    const query: SearchQuery = {
      guildId: guild.id,
      channelIds: [channel.id],
      content: 'quick FOX',
      limit: 25,
      offset: 0,
    };
    const found = await s.messages.search(query);
    t.equal(found.total, 2);
    t.same(ids(found.messages), [both2.id, both.id]);
    t.same(found.messages[0], both2, 'whole records come back');
    t.same(ids((await s.messages.search({ ...query, content: 'quick' })).messages), [
      both2.id,
      onlyQuick.id,
      both.id,
    ]);
    t.same(await s.messages.search({ ...query, content: 'absent' }), { total: 0, messages: [] });
    t.same(
      await s.messages.search({ ...query, content: 'qui' }),
      { total: 0, messages: [] },
      'terms are whole words, not prefixes',
    );
  });

  t.test('search filters by author, by the given channels and by guild', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const hidden = aChannel(guild.id);
    await s.channels.create(hidden);
    const elsewhere = await aGuildWithChannel(s);
    const alice = nextId();
    const bob = nextId();
    const byAlice = aMessage(channel, { authorId: alice, content: 'launch plan' });
    const byBob = aMessage(channel, { authorId: bob, content: 'launch day' });
    const inHidden = aMessage(hidden, { authorId: alice, content: 'launch secret' });
    const otherGuild = aMessage(elsewhere.channel, { authorId: alice, content: 'launch elsewhere' });
    for (const m of [byAlice, byBob, inHidden, otherGuild]) await s.messages.create(m);
    const base: SearchQuery = {
      guildId: guild.id,
      channelIds: [channel.id],
      content: 'launch',
      limit: 25,
      offset: 0,
    };

    t.same(ids((await s.messages.search(base)).messages), [byBob.id, byAlice.id], 'only the given channels');
    t.same(ids((await s.messages.search({ ...base, authorId: alice })).messages), [byAlice.id], 'by author');
    t.same(
      ids(
        (await s.messages.search({ ...base, channelIds: [channel.id, hidden.id], authorId: alice })).messages,
      ),
      [inHidden.id, byAlice.id],
    );
    t.same(
      ids((await s.messages.search({ ...base, channelIds: [channel.id, elsewhere.channel.id] })).messages),
      [byBob.id, byAlice.id],
      "another guild's channel listed by mistake still does not leak",
    );
    const noText = {
      guildId: guild.id,
      channelIds: [channel.id, hidden.id],
      authorId: alice,
      limit: 25,
      offset: 0,
    };
    t.same(
      ids((await s.messages.search(noText)).messages),
      [inHidden.id, byAlice.id],
      'author alone, no terms',
    );
    t.same(
      await s.messages.search({ ...base, channelIds: [] }),
      { total: 0, messages: [] },
      'no channel, no result',
    );
  });

  t.test('search pages with limit and offset and reports the total of all matches', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const m = await seedMessages(s, channel, 30, (i) => ({
      content: i % 3 === 0 ? `match number ${i}` : `other ${i}`,
    }));
    const matching = ids(m.filter((_, i) => i % 3 === 0)).reverse();
    const query: SearchQuery = {
      guildId: guild.id,
      channelIds: [channel.id],
      content: 'match',
      limit: 4,
      offset: 0,
    };
    const first = await s.messages.search(query);
    t.equal(first.total, 10);
    t.same(ids(first.messages), matching.slice(0, 4));
    t.same(ids((await s.messages.search({ ...query, offset: 8 })).messages), matching.slice(8));
    const past = await s.messages.search({ ...query, offset: 40 });
    t.same(past, { total: 10, messages: [] }, 'past the end: the total, no messages');
    const plain = await s.messages.search({
      guildId: guild.id,
      channelIds: [channel.id],
      limit: 5,
      offset: 0,
    });
    t.equal(plain.total, 30, 'without terms every message of the channels matches');
    t.same(ids(plain.messages), ids(m).reverse().slice(0, 5));
  });

  t.test(
    'search input is never query syntax: quotes, stars, NEAR and parentheses are just text',
    async (t) => {
      const s = await fresh(t, open);
      const { guild, channel } = await aGuildWithChannel(s);
      const message = aMessage(channel, { content: 'we are NEAR the (final) "answer" * 42' });
      await s.messages.create(message);
      const base: SearchQuery = { guildId: guild.id, channelIds: [channel.id], limit: 25, offset: 0 };
      const hostile = [
        '"',
        '"unterminated',
        '*',
        'fin*',
        '(',
        ')',
        'NEAR',
        'NEAR(a b)',
        'a OR',
        'AND',
        'NOT x',
        '-answer',
        'col:answer',
        '^answer',
        '{answer}',
        '\\',
        "'",
        '',
        '   ',
        '🙂',
        'answer"42',
      ];
      for (const content of hostile) {
        await t.resolves(
          s.messages.search({ ...base, content }),
          `search ${JSON.stringify(content)} does not throw`,
        );
      }
      t.same(ids((await s.messages.search({ ...base, content: '"answer"' })).messages), [message.id]);
      t.same(ids((await s.messages.search({ ...base, content: 'near (final)' })).messages), [message.id]);
      t.same(ids((await s.messages.search({ ...base, content: 'answer"42' })).messages), [message.id]);
      t.same(
        await s.messages.search({ ...base, content: '"*" ()' }),
        { total: 0, messages: [] },
        'input without a word matches nothing',
      );
    },
  );

  t.test('search follows edits and deletes', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const [edited, deleted] = await seedMessages(s, channel, 2, () => ({ content: 'original wording' }));
    await s.messages.update(channel.id, edited!.id, { content: 'revised wording', editedAt: 1 });
    await s.messages.delete(channel.id, deleted!.id);
    const query = (content: string) =>
      s.messages.search({ guildId: guild.id, channelIds: [channel.id], content, limit: 25, offset: 0 });
    t.same(await query('original'), { total: 0, messages: [] }, 'old words are forgotten');
    t.same(ids((await query('revised')).messages), [edited!.id]);
    t.same(ids((await query('wording')).messages), [edited!.id], 'the deleted message is gone');
  });

  t.test('countAfter counts newer messages up to a cap', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const m = await seedMessages(s, channel, 12);
    t.equal(await s.messages.countAfter(channel.id, null, 100), 12, 'never read: all');
    t.equal(await s.messages.countAfter(channel.id, null, 5), 5, 'capped');
    t.equal(await s.messages.countAfter(channel.id, m[8]!.id, 100), 3);
    t.equal(await s.messages.countAfter(channel.id, m[11]!.id, 100), 0);
    t.equal(await s.messages.countAfter(nextId(), null, 100), 0);
    const short = await aGuildWithChannel(s);
    for (const id of ['99', '100', '1000']) await s.messages.create(aMessage(short.channel, { id }));
    t.equal(await s.messages.countAfter(short.channel.id, '99', 100), 2, 'numeric comparison');
  });
}
