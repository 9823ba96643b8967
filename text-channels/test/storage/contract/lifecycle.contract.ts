import { InvalidStateError } from '@driftway/common';
import type { Test } from 'tap';
import type { TextStorage } from '../../../src/storage/ports.js';
import {
  aBan,
  aChannel,
  aGuild,
  aMember,
  aMessage,
  anInvite,
  aReaction,
  aRole,
  fresh,
  type OpenTextStorage,
  publicMethods,
} from './fixtures.js';

const STORES = [
  'guilds',
  'roles',
  'channels',
  'members',
  'bans',
  'invites',
  'messages',
  'reactions',
  'readStates',
] as const;

/** ping, close, and what every method does once the storage is closed. */
export function lifecycleContract(t: Test, open: OpenTextStorage): void {
  t.test('ping answers while the storage is open', async (t) => {
    const s = await fresh(t, open);
    await t.resolves(s.ping());
  });

  t.test('close can be called more than once', async (t) => {
    const s = await open();
    await s.close();
    await t.resolves(s.close());
  });

  t.test('a message created just before close is stored all the same', async (t) => {
    const s = await open();
    const guild = aGuild();
    const channel = aChannel(guild.id);
    await s.channels.create(channel);
    const pending = s.messages.create(aMessage(channel));
    await s.close();
    t.equal((await pending).created, true, 'the create accepted before close() completes');
  });

  t.test('after close every method rejects with an InvalidStateError naming it', async (t) => {
    const s = await open();
    await s.close();
    const guild = aGuild();
    const channel = aChannel(guild.id);
    const message = aMessage(channel);
    const calls: Record<string, () => Promise<unknown>> = {
      'guilds.create': () => s.guilds.create(guild),
      'guilds.get': () => s.guilds.get(guild.id),
      'guilds.getMany': () => s.guilds.getMany([guild.id]),
      'guilds.update': () => s.guilds.update(guild.id, { name: 'x' }),
      'guilds.delete': () => s.guilds.delete(guild.id),
      'roles.create': () => s.roles.create(aRole(guild.id)),
      'roles.get': () => s.roles.get(guild.id, guild.id),
      'roles.listByGuild': () => s.roles.listByGuild(guild.id),
      'roles.update': () => s.roles.update(guild.id, guild.id, { name: 'x' }),
      'roles.delete': () => s.roles.delete(guild.id, guild.id),
      'channels.create': () => s.channels.create(channel),
      'channels.get': () => s.channels.get(channel.id),
      'channels.listByGuild': () => s.channels.listByGuild(guild.id),
      'channels.findDm': () => s.channels.findDm('1', '2'),
      'channels.listDmsForUser': () => s.channels.listDmsForUser('1'),
      'channels.update': () => s.channels.update(channel.id, { name: 'x' }),
      'channels.delete': () => s.channels.delete(channel.id),
      'members.add': () => s.members.add(aMember(guild.id)),
      'members.get': () => s.members.get(guild.id, '1'),
      'members.list': () => s.members.list(guild.id, { limit: 1 }),
      'members.getMany': () => s.members.getMany(guild.id, ['1']),
      'members.listGuildIdsForUser': () => s.members.listGuildIdsForUser('1'),
      'members.count': () => s.members.count(guild.id),
      'members.update': () => s.members.update(guild.id, '1', { nick: 'x' }),
      'members.remove': () => s.members.remove(guild.id, '1'),
      'bans.put': () => s.bans.put(aBan(guild.id)),
      'bans.get': () => s.bans.get(guild.id, '1'),
      'bans.list': () => s.bans.list(guild.id, { limit: 1 }),
      'bans.delete': () => s.bans.delete(guild.id, '1'),
      'invites.create': () => s.invites.create(anInvite(guild.id, channel.id)),
      'invites.get': () => s.invites.get('code'),
      'invites.listByGuild': () => s.invites.listByGuild(guild.id),
      'invites.listByChannel': () => s.invites.listByChannel(channel.id),
      'invites.use': () => s.invites.use('code', 1),
      'invites.delete': () => s.invites.delete('code'),
      'messages.create': () => s.messages.create(message),
      'messages.get': () => s.messages.get(channel.id, message.id),
      'messages.getMany': () => s.messages.getMany(channel.id, [message.id]),
      'messages.list': () => s.messages.list(channel.id, { limit: 1 }),
      'messages.listPinned': () => s.messages.listPinned(channel.id),
      'messages.search': () =>
        s.messages.search({ guildId: guild.id, channelIds: [channel.id], content: 'x', limit: 1, offset: 0 }),
      'messages.countAfter': () => s.messages.countAfter(channel.id, null, 1),
      'messages.update': () => s.messages.update(channel.id, message.id, { content: 'x' }),
      'messages.listEdits': () => s.messages.listEdits(message.id),
      'messages.delete': () => s.messages.delete(channel.id, message.id),
      'messages.bulkDelete': () => s.messages.bulkDelete(channel.id, [message.id]),
      'reactions.add': () => s.reactions.add(aReaction(message)),
      'reactions.remove': () => s.reactions.remove(message.id, '👍', '1'),
      'reactions.removeAll': () => s.reactions.removeAll(message.id),
      'reactions.listUsers': () => s.reactions.listUsers(message.id, '👍', { limit: 1 }),
      'reactions.counts': () => s.reactions.counts([message.id], '1'),
      'readStates.get': () => s.readStates.get('1', channel.id),
      'readStates.listForUser': () => s.readStates.listForUser('1'),
      'readStates.ack': () => s.readStates.ack('1', channel.id, message.id),
      'readStates.addMentions': () => s.readStates.addMentions(channel.id, ['1']),
      ping: () => s.ping(),
    };
    // The list above must name every public method, so a method added to a port cannot skip this.
    const methods = STORES.flatMap((store) =>
      publicMethods(s[store as keyof TextStorage]).map((m) => `${store}.${m}`),
    );
    t.same(
      [...methods, ...publicMethods(s).filter((m) => m !== 'close')].sort(),
      Object.keys(calls).sort(),
      'every method is exercised',
    );
    for (const [name, call] of Object.entries(calls)) {
      await t.rejects(
        call(),
        { name: 'InvalidStateError', method: name, message: new RegExp(`${name}\\(\\)`) },
        name,
      );
    }
    const err = await s.ping().catch((e: unknown) => e);
    t.ok(err instanceof InvalidStateError, 'the rejection is an InvalidStateError instance');
  });
}
