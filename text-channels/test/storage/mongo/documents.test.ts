import t from 'tap';
import {
  channelFromDoc,
  guildFromDoc,
  guildToDoc,
  inviteFromDoc,
  inviteToDoc,
  memberFromDoc,
  memberToDoc,
  messageFromDoc,
  messageToDoc,
  readStateFromDoc,
} from '../../../src/storage/mongo/documents.js';
import { aChannel, aGuild, aMember, aMessage, anInvite } from '../contract/fixtures.js';

// No MongoDB server runs in CI, so the mapping both ways is checked on its own; the contract
// suite covers the rest wherever MONGO_URL is set.

t.test('records survive the round trip through their MongoDB documents', async (t) => {
  const guild = aGuild({ systemChannelId: '123' });
  t.same(guildFromDoc(guildToDoc(guild)), guild);
  const member = aMember(guild.id, { roleIds: ['1', '2'], nick: 'n', mute: true });
  t.same(memberFromDoc(memberToDoc(member)), member);
  const invite = anInvite(guild.id, '77', { expiresAt: 5 });
  t.same(inviteFromDoc(inviteToDoc(invite)), invite);
  const message = aMessage(aChannel(guild.id), {
    embeds: [{ $weird: 'key', 'dotted.key': 1, big: 2 ** 40 }],
    attachments: [
      { id: '9', filename: 'f', size: 1, url: 'u', contentType: null, width: null, height: null },
    ],
    reference: { messageId: '1', channelId: '2', guildId: null },
  });
  t.same(messageFromDoc(messageToDoc(message)), message);
});

t.test('Snowflakes that MongoDB must order are int64 keys, and ids are canonical strings', async (t) => {
  const message = aMessage(aChannel('0042'), { id: '0100' });
  const doc = messageToDoc(message);
  t.equal(doc._id, 100n, 'the message id is a bigint (int64), so 99 sorts before 100');
  t.equal(doc.channelId, message.channelId);
  t.equal(doc.guildId, '42', 'leading zeros are dropped, as SQLite integers drop them');
  t.equal(messageFromDoc(doc).id, '100');
  const member = memberToDoc(aMember('5', { userId: '99' }));
  t.equal(member._id, '5:99');
  t.equal(member.userKey, 99n);
  t.equal(doc.embeds, null, 'no embeds, no JSON');
});

t.test(
  'a member document written before mute/deaf existed reads as neither muted nor deafened',
  async (t) => {
    const { mute: _mute, deaf: _deaf, ...older } = memberToDoc(aMember('5', { userId: '99' }));
    t.match(memberFromDoc(older), { guildId: '5', userId: '99', mute: false, deaf: false });
  },
);

t.test('int64 keys of channels and read states come back as decimal strings', async (t) => {
  const channel = aChannel('1', { lastMessageId: '9' });
  t.same(
    channelFromDoc({
      _id: channel.id,
      guildId: '1',
      type: 0,
      name: channel.name,
      topic: null,
      position: 0,
      parentId: null,
      nsfw: false,
      rateLimitPerUser: 0,
      bitrate: null,
      userLimit: null,
      permissionOverwrites: [],
      recipientIds: [],
      lastMessageId: 9n,
      lastPinTimestamp: null,
      createdAt: channel.createdAt,
    }),
    { ...channel, guildId: '1' },
  );
  t.same(readStateFromDoc({ _id: 'u:c', userId: 'u', channelId: 'c', lastMessageId: 12n, mentionCount: 3 }), {
    userId: 'u',
    channelId: 'c',
    lastMessageId: '12',
    mentionCount: 3,
  });
});
