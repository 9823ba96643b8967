import type { Test } from 'tap';
import {
  aChannel,
  aDm,
  aGuild,
  aGuildWithChannel,
  aMember,
  aMessage,
  anInvite,
  aReaction,
  aRole,
  expectConflict,
  fresh,
  ids,
  nextId,
  type OpenTextStorage,
} from './fixtures.js';

/** Guilds, roles and channels, with the cascades their deletes promise. */
export function communityContract(t: Test, open: OpenTextStorage): void {
  // ---------------------------------------------------------------------------------------------
  // Guilds

  t.test('a created guild reads back exactly as written and an unknown one as null', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild({ icon: 'abc', description: 'A place', systemChannelId: nextId() });
    await s.guilds.create(guild);
    t.same(await s.guilds.get(guild.id), guild);
    t.equal(await s.guilds.get(nextId()), null);
    t.equal(await s.guilds.get('not-a-snowflake'), null, 'a malformed id is simply not found');
  });

  t.test('guilds.getMany returns the known guilds and skips unknown and malformed ids', async (t) => {
    const s = await fresh(t, open);
    const [a, b, c] = [aGuild(), aGuild(), aGuild()];
    for (const g of [a, b, c]) await s.guilds.create(g);
    const found = await s.guilds.getMany([c.id, nextId(), 'x', a.id]);
    t.same(ids(found).sort(), [a.id, c.id].sort());
    t.same(await s.guilds.getMany([]), []);
  });

  t.test('a reused guild id is a STORE_CONFLICT on id', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    await s.guilds.create(guild);
    await expectConflict(t, s.guilds.create(aGuild({ id: guild.id, name: 'other' })), 'id');
    t.same(await s.guilds.get(guild.id), guild, 'the first guild is untouched');
  });

  t.test('guilds.update applies only the given fields and answers null for an unknown guild', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild({ icon: 'old' });
    await s.guilds.create(guild);
    const owner = nextId();
    const expected = { ...guild, name: 'Renamed', ownerId: owner, icon: null };
    t.same(await s.guilds.update(guild.id, { name: 'Renamed', ownerId: owner, icon: null }), expected);
    t.same(await s.guilds.get(guild.id), expected, 'the update persisted');
    t.same(await s.guilds.update(guild.id, { name: undefined }), expected, 'undefined leaves a field alone');
    t.equal(await s.guilds.update(nextId(), { name: 'x' }), null);
  });

  t.test('deleting a guild removes everything in it and nothing outside it', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const second = aChannel(guild.id, { name: 'second' });
    await s.channels.create(second);
    const role = aRole(guild.id);
    await s.roles.create(role);
    const member = aMember(guild.id, { roleIds: [role.id] });
    await s.members.add(member);
    await s.bans.put({ guildId: guild.id, userId: nextId(), reason: null, createdAt: 1 });
    const invite = anInvite(guild.id, channel.id);
    await s.invites.create(invite);
    const message = aMessage(channel, { content: 'doomed words' });
    await s.messages.create(message);
    await s.messages.create(aMessage(second, { content: 'doomed too' }));
    await s.messages.update(channel.id, message.id, { content: 'doomed edit', editedAt: 2 });
    await s.reactions.add(aReaction(message, { userId: member.userId }));
    await s.readStates.ack(member.userId, channel.id, message.id);

    // A neighbouring guild that must survive intact.
    const other = await aGuildWithChannel(s);
    const otherMember = aMember(other.guild.id);
    await s.members.add(otherMember);
    const kept = aMessage(other.channel, { content: 'doomed but elsewhere' });
    await s.messages.create(kept);

    t.equal(await s.guilds.delete(guild.id), true);
    t.equal(await s.guilds.get(guild.id), null);
    t.same(await s.roles.listByGuild(guild.id), []);
    t.same(await s.channels.listByGuild(guild.id), []);
    t.equal(await s.channels.get(channel.id), null);
    t.equal(await s.members.count(guild.id), 0);
    t.same(await s.members.listGuildIdsForUser(member.userId), []);
    t.same(await s.bans.list(guild.id, { limit: 100 }), []);
    t.equal(await s.invites.get(invite.code), null);
    t.same(await s.messages.list(channel.id, { limit: 100 }), []);
    t.same(await s.messages.list(second.id, { limit: 100 }), []);
    t.same(await s.messages.listEdits(message.id), []);
    t.same((await s.reactions.counts([message.id], member.userId)).get(message.id), []);
    t.equal(await s.readStates.get(member.userId, channel.id), null);
    const search = await s.messages.search({
      guildId: guild.id,
      channelIds: [channel.id, second.id],
      content: 'doomed',
      limit: 25,
      offset: 0,
    });
    t.same(search, { total: 0, messages: [] }, 'search forgets the deleted messages');

    t.same(await s.guilds.get(other.guild.id), other.guild, 'the other guild is intact');
    t.same(await s.members.get(other.guild.id, otherMember.userId), otherMember);
    t.same(ids(await s.messages.list(other.channel.id, { limit: 10 })), [kept.id]);
    t.equal(
      (
        await s.messages.search({
          guildId: other.guild.id,
          channelIds: [other.channel.id],
          content: 'doomed',
          limit: 25,
          offset: 0,
        })
      ).total,
      1,
    );
    t.equal(await s.guilds.delete(guild.id), false, 'a second delete finds nothing');
  });

  // ---------------------------------------------------------------------------------------------
  // Roles

  t.test('a created role reads back in its own guild only', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const role = aRole(guild.id, { color: 0xff0000, hoist: true, mentionable: true, permissions: '8' });
    await s.roles.create(role);
    t.same(await s.roles.get(guild.id, role.id), role);
    t.equal(await s.roles.get(nextId(), role.id), null, 'another guild does not see it');
    t.equal(await s.roles.get(guild.id, nextId()), null);
    await expectConflict(t, s.roles.create({ ...role }), 'id');
  });

  t.test('permission bitfields beyond 2^53 are kept exactly', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const role = aRole(guild.id, { permissions: '9007199254740993' });
    await s.roles.create(role);
    t.equal((await s.roles.get(guild.id, role.id))?.permissions, '9007199254740993');
  });

  t.test('a guild lists its roles by position, then by id as a number', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    // Same position: '99' sorts before '100' as numbers, after it as strings.
    const everyone = aRole(guild.id, { id: guild.id, position: 0, name: '@everyone' });
    const r100 = aRole(guild.id, { id: '100', position: 1 });
    const r99 = aRole(guild.id, { id: '99', position: 1 });
    const top = aRole(guild.id, { position: 5 });
    for (const r of [top, r100, everyone, r99]) await s.roles.create(r);
    await s.roles.create(aRole(nextId()));
    t.same(ids(await s.roles.listByGuild(guild.id)), [everyone.id, '99', '100', top.id]);
  });

  t.test('roles.update changes only the given fields and answers null when unknown', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const role = aRole(guild.id);
    await s.roles.create(role);
    const expected = { ...role, name: 'mods', position: 3, permissions: '8192' };
    t.same(
      await s.roles.update(guild.id, role.id, { name: 'mods', position: 3, permissions: '8192' }),
      expected,
    );
    t.same(await s.roles.get(guild.id, role.id), expected);
    t.equal(await s.roles.update(nextId(), role.id, { name: 'x' }), null, 'not in another guild');
    t.equal(await s.roles.update(guild.id, nextId(), { name: 'x' }), null);
  });

  t.test('deleting a role strips it from members and role overwrites in its guild', async (t) => {
    const s = await fresh(t, open);
    const { guild, channel } = await aGuildWithChannel(s);
    const doomed = aRole(guild.id);
    const kept = aRole(guild.id);
    await s.roles.create(doomed);
    await s.roles.create(kept);
    const both = aMember(guild.id, { roleIds: [doomed.id, kept.id] });
    const only = aMember(guild.id, { roleIds: [doomed.id] });
    const none = aMember(guild.id, { roleIds: [kept.id] });
    for (const m of [both, only, none]) await s.members.add(m);
    // A member overwrite that happens to carry the same number is about someone else: it stays.
    const overwrites = [
      { id: doomed.id, type: 0 as const, allow: '1024', deny: '0' },
      { id: kept.id, type: 0 as const, allow: '0', deny: '2048' },
      { id: doomed.id, type: 1 as const, allow: '0', deny: '1024' },
    ];
    await s.channels.update(channel.id, { permissionOverwrites: overwrites });
    const other = await aGuildWithChannel(s);
    await s.channels.update(other.channel.id, { permissionOverwrites: [overwrites[0]!] });

    t.equal(await s.roles.delete(guild.id, doomed.id), true);
    t.equal(await s.roles.get(guild.id, doomed.id), null);
    t.same((await s.members.get(guild.id, both.userId))?.roleIds, [kept.id]);
    t.same((await s.members.get(guild.id, only.userId))?.roleIds, []);
    t.same((await s.members.get(guild.id, none.userId))?.roleIds, [kept.id]);
    t.same((await s.channels.get(channel.id))?.permissionOverwrites, [overwrites[1], overwrites[2]]);
    t.same(
      (await s.channels.get(other.channel.id))?.permissionOverwrites,
      [overwrites[0]],
      'another guild is not touched',
    );
    t.equal(await s.roles.delete(guild.id, doomed.id), false, 'a second delete finds nothing');
  });

  // ---------------------------------------------------------------------------------------------
  // Channels

  t.test('a created channel reads back exactly as written', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const category = aChannel(guild.id, { type: 4, name: 'Text' });
    const voice = aChannel(guild.id, {
      type: 2,
      name: 'Lounge',
      parentId: category.id,
      bitrate: 64_000,
      userLimit: 10,
      position: 2,
      permissionOverwrites: [{ id: guild.id, type: 0, allow: '0', deny: '1048576' }],
    });
    const text = aChannel(guild.id, { topic: 'hi', nsfw: true, rateLimitPerUser: 30, lastPinTimestamp: 5 });
    for (const c of [category, voice, text]) await s.channels.create(c);
    t.same(await s.channels.get(voice.id), voice);
    t.same(await s.channels.get(text.id), text);
    t.equal(await s.channels.get(nextId()), null);
    await expectConflict(t, s.channels.create({ ...text }), 'id');
  });

  t.test('a guild lists its channels by position, then by id as a number', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const c1000 = aChannel(guild.id, { id: '1000', position: 1 });
    const c999 = aChannel(guild.id, { id: '999', position: 1 });
    const first = aChannel(guild.id, { position: 0 });
    for (const c of [c1000, first, c999]) await s.channels.create(c);
    await s.channels.create(aChannel(nextId()));
    t.same(ids(await s.channels.listByGuild(guild.id)), [first.id, '999', '1000']);
  });

  t.test('a DM is found from either participant and listed newest first', async (t) => {
    const s = await fresh(t, open);
    const [alice, bob, carol] = [nextId(), nextId(), nextId()];
    const ab = aDm(alice, bob);
    const ac = aDm(carol, alice);
    await s.channels.create(ab);
    await s.channels.create(ac);
    t.same(await s.channels.findDm(alice, bob), ab);
    t.same(await s.channels.findDm(bob, alice), ab, 'argument order does not matter');
    t.equal(await s.channels.findDm(bob, carol), null);
    t.same(ids(await s.channels.listDmsForUser(alice)), [ac.id, ab.id]);
    t.same(ids(await s.channels.listDmsForUser(bob)), [ab.id]);
    t.same(await s.channels.listDmsForUser(nextId()), []);
  });

  t.test('a second DM between the same two users is a STORE_CONFLICT on recipientIds', async (t) => {
    const s = await fresh(t, open);
    const [alice, bob] = [nextId(), nextId()];
    const first = aDm(alice, bob);
    await s.channels.create(first);
    await expectConflict(t, s.channels.create(aDm(bob, alice)), 'recipientIds');
    t.same(ids(await s.channels.listDmsForUser(alice)), [first.id], 'no second DM appeared');
  });

  t.test('channels.update applies the given fields and keeps recipients fixed', async (t) => {
    const s = await fresh(t, open);
    const guild = aGuild();
    const channel = aChannel(guild.id);
    await s.channels.create(channel);
    const parent = nextId();
    const patch = {
      name: 'renamed',
      topic: 'new topic',
      position: 7,
      parentId: parent,
      nsfw: true,
      rateLimitPerUser: 21600,
      permissionOverwrites: [{ id: nextId(), type: 1 as const, allow: '2048', deny: '0' }],
      lastPinTimestamp: 99,
    };
    const expected = { ...channel, ...patch };
    t.same(await s.channels.update(channel.id, patch), expected);
    t.same(await s.channels.get(channel.id), expected);
    t.same(
      await s.channels.update(channel.id, { parentId: null, topic: null }),
      { ...expected, parentId: null, topic: null },
      'null clears a field',
    );
    const [alice, bob] = [nextId(), nextId()];
    const dm = aDm(alice, bob);
    await s.channels.create(dm);
    t.same(
      (await s.channels.update(dm.id, { recipientIds: [alice, nextId()] }))?.recipientIds,
      dm.recipientIds,
      'recipients cannot be changed',
    );
    t.equal(await s.channels.update(nextId(), { name: 'x' }), null);
  });

  t.test(
    'deleting a channel removes its messages, reactions, edits, pins, invites and read states',
    async (t) => {
      const s = await fresh(t, open);
      const { guild, channel } = await aGuildWithChannel(s);
      const sibling = aChannel(guild.id);
      await s.channels.create(sibling);
      const reader = nextId();
      const message = aMessage(channel, { content: 'vanishing words', pinned: true, pinnedAt: 5 });
      await s.messages.create(message);
      await s.messages.update(channel.id, message.id, { content: 'vanishing edit', editedAt: 6 });
      await s.reactions.add(aReaction(message, { userId: reader }));
      await s.readStates.ack(reader, channel.id, message.id);
      const invite = anInvite(guild.id, channel.id);
      await s.invites.create(invite);
      const siblingMessage = aMessage(sibling, { content: 'vanishing elsewhere' });
      await s.messages.create(siblingMessage);
      const siblingInvite = anInvite(guild.id, sibling.id);
      await s.invites.create(siblingInvite);
      await s.readStates.ack(reader, sibling.id, siblingMessage.id);

      t.equal(await s.channels.delete(channel.id), true);
      t.equal(await s.channels.get(channel.id), null);
      t.equal(await s.messages.get(channel.id, message.id), null);
      t.same(await s.messages.listPinned(channel.id), []);
      t.same(await s.messages.listEdits(message.id), []);
      t.same((await s.reactions.counts([message.id], reader)).get(message.id), []);
      t.same(await s.reactions.listUsers(message.id, '👍', { limit: 10 }), []);
      t.equal(await s.invites.get(invite.code), null);
      t.same(await s.invites.listByChannel(channel.id), []);
      t.equal(await s.readStates.get(reader, channel.id), null);
      const found = await s.messages.search({
        guildId: guild.id,
        channelIds: [channel.id, sibling.id],
        content: 'vanishing',
        limit: 25,
        offset: 0,
      });
      t.same(ids(found.messages), [siblingMessage.id], 'only the sibling channel is still searchable');

      t.same(await s.messages.get(sibling.id, siblingMessage.id), siblingMessage, 'the sibling is intact');
      t.same(await s.invites.get(siblingInvite.code), siblingInvite);
      t.ok(await s.readStates.get(reader, sibling.id));
      t.equal(await s.channels.delete(channel.id), false, 'a second delete finds nothing');
    },
  );

  t.test('deleting a DM channel removes it from both participants', async (t) => {
    const s = await fresh(t, open);
    const [alice, bob] = [nextId(), nextId()];
    const dm = aDm(alice, bob);
    await s.channels.create(dm);
    await s.messages.create(aMessage(dm));
    t.equal(await s.channels.delete(dm.id), true);
    t.same(await s.channels.listDmsForUser(alice), []);
    t.same(await s.channels.listDmsForUser(bob), []);
    t.equal(await s.channels.findDm(alice, bob), null);
    const again = aDm(alice, bob);
    await s.channels.create(again);
    t.same(await s.channels.findDm(alice, bob), again, 'the pair may open a new DM');
  });
}
