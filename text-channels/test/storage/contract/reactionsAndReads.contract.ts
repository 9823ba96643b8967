import type { Test } from 'tap';
import {
  aGuildWithChannel,
  aReaction,
  fresh,
  nextId,
  type OpenTextStorage,
  seedMessages,
  T0,
} from './fixtures.js';

/** Reactions and read states. */
export function reactionsAndReadsContract(t: Test, open: OpenTextStorage): void {
  // ---------------------------------------------------------------------------------------------
  // Reactions

  t.test('a user reacts with an emoji once, and removes it once', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [message] = await seedMessages(s, channel, 1);
    const reaction = aReaction(message!);
    t.equal(await s.reactions.add(reaction), true);
    t.equal(await s.reactions.add({ ...reaction, createdAt: T0 + 5 }), false, 'a second add is a no-op');
    t.equal(await s.reactions.add({ ...reaction, emoji: '🎉' }), true, 'another emoji is another reaction');
    t.equal(await s.reactions.remove(message!.id, '👍', reaction.userId), true);
    t.equal(await s.reactions.remove(message!.id, '👍', reaction.userId), false);
    t.same(await s.reactions.listUsers(message!.id, '👍', { limit: 10 }), []);
    t.same(await s.reactions.listUsers(message!.id, '🎉', { limit: 10 }), [reaction.userId]);
  });

  t.test('counts give each emoji in first-reaction order, with me for the viewer', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [a, b, c] = await seedMessages(s, channel, 3);
    const [viewer, u1, u2] = [nextId(), nextId(), nextId()];
    await s.reactions.add(aReaction(a!, { emoji: '🎉', userId: u1, createdAt: T0 + 1 }));
    await s.reactions.add(aReaction(a!, { emoji: '👍', userId: u2, createdAt: T0 + 2 }));
    await s.reactions.add(aReaction(a!, { emoji: '👍', userId: viewer, createdAt: T0 + 3 }));
    await s.reactions.add(aReaction(a!, { emoji: '🎉', userId: u2, createdAt: T0 + 4 }));
    await s.reactions.add(aReaction(a!, { emoji: '❤️', userId: u1, createdAt: T0 + 5 }));
    await s.reactions.add(aReaction(b!, { emoji: '👍', userId: viewer, createdAt: T0 + 6 }));
    const counts = await s.reactions.counts([a!.id, b!.id, c!.id], viewer);
    t.same(counts.get(a!.id), [
      { emoji: '🎉', count: 2, me: false },
      { emoji: '👍', count: 2, me: true },
      { emoji: '❤️', count: 1, me: false },
    ]);
    t.same(counts.get(b!.id), [{ emoji: '👍', count: 1, me: true }]);
    t.same(counts.get(c!.id), [], 'a message without reactions maps to an empty list');
    t.equal(counts.size, 3);
    t.same(await s.reactions.counts([], viewer), new Map());
  });

  t.test('removeAll clears one emoji or every reaction of a message', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [message, other] = await seedMessages(s, channel, 2);
    for (const emoji of ['👍', '👍', '👍', '🎉', '🎉']) await s.reactions.add(aReaction(message!, { emoji }));
    await s.reactions.add(aReaction(other!));
    t.equal(await s.reactions.removeAll(message!.id, '👍'), 3);
    t.same((await s.reactions.counts([message!.id], nextId())).get(message!.id), [
      { emoji: '🎉', count: 2, me: false },
    ]);
    t.equal(await s.reactions.removeAll(message!.id), 2);
    t.equal(await s.reactions.removeAll(message!.id), 0);
    t.equal(
      (await s.reactions.counts([other!.id], nextId())).get(other!.id)?.length,
      1,
      'other messages keep theirs',
    );
  });

  t.test('listUsers pages reacting users by id as a number', async (t) => {
    const s = await fresh(t, open);
    const { channel } = await aGuildWithChannel(s);
    const [message] = await seedMessages(s, channel, 1);
    for (const userId of ['3000', '20', '100', '5']) await s.reactions.add(aReaction(message!, { userId }));
    await s.reactions.add(aReaction(message!, { userId: '7', emoji: '🎉' }));
    t.same(await s.reactions.listUsers(message!.id, '👍', { limit: 100 }), ['5', '20', '100', '3000']);
    t.same(await s.reactions.listUsers(message!.id, '👍', { limit: 1 }), ['5']);
    t.same(await s.reactions.listUsers(message!.id, '👍', { after: '20', limit: 2 }), ['100', '3000']);
    t.same(await s.reactions.listUsers(message!.id, '👍', { after: '3000', limit: 2 }), []);
  });

  // ---------------------------------------------------------------------------------------------
  // Read states

  t.test('a channel never acked has no read state, and an ack creates one', async (t) => {
    const s = await fresh(t, open);
    const [user, channel, message] = [nextId(), nextId(), nextId()];
    t.equal(await s.readStates.get(user, channel), null);
    const expected = { userId: user, channelId: channel, lastMessageId: message, mentionCount: 0 };
    t.same(await s.readStates.ack(user, channel, message), expected);
    t.same(await s.readStates.get(user, channel), expected);
  });

  t.test('an ack never moves the read position backwards, comparing ids as numbers', async (t) => {
    const s = await fresh(t, open);
    const [user, channel] = [nextId(), nextId()];
    await s.readStates.ack(user, channel, '100');
    t.equal((await s.readStates.ack(user, channel, '99')).lastMessageId, '100', '99 is older than 100');
    t.equal((await s.readStates.ack(user, channel, '1000')).lastMessageId, '1000');
    t.equal((await s.readStates.get(user, channel))?.lastMessageId, '1000');
  });

  t.test('mentions add up per user and an ack clears them, an older ack does not', async (t) => {
    const s = await fresh(t, open);
    const channel = nextId();
    const [reader, newcomer] = [nextId(), nextId()];
    await s.readStates.ack(reader, channel, '500');
    await s.readStates.addMentions(channel, [reader, newcomer]);
    await s.readStates.addMentions(channel, [reader, reader]);
    t.same(
      await s.readStates.get(reader, channel),
      {
        userId: reader,
        channelId: channel,
        lastMessageId: '500',
        mentionCount: 2,
      },
      'listed twice in one call counts once',
    );
    t.same(
      await s.readStates.get(newcomer, channel),
      { userId: newcomer, channelId: channel, lastMessageId: null, mentionCount: 1 },
      'a mention creates the read state of someone who never acked',
    );
    t.equal((await s.readStates.ack(reader, channel, '400')).mentionCount, 2, 'an older ack changes nothing');
    t.equal((await s.readStates.ack(reader, channel, '600')).mentionCount, 0);
    await s.readStates.addMentions(channel, []);
  });

  t.test("listForUser returns all of a user's read states", async (t) => {
    const s = await fresh(t, open);
    const [user, other] = [nextId(), nextId()];
    const [c1, c2] = [nextId(), nextId()];
    await s.readStates.ack(user, c1, '10');
    await s.readStates.addMentions(c2, [user]);
    await s.readStates.ack(other, c1, '11');
    const states = await s.readStates.listForUser(user);
    t.same(
      [...states].sort((a, b) => (a.channelId < b.channelId ? -1 : 1)),
      [
        { userId: user, channelId: c1, lastMessageId: '10', mentionCount: 0 },
        { userId: user, channelId: c2, lastMessageId: null, mentionCount: 1 },
      ],
    );
    t.same(await s.readStates.listForUser(nextId()), []);
  });
}
