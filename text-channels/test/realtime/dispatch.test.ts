import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { expectOk } from '../guilds/communityFixture.js';
import { GatewayClient } from './helpers/GatewayClient.js';
import { type Account, ALL_INTENTS, realtimeWorld } from './helpers/realtimeWorld.js';

const w = await realtimeWorld(t);
const { h } = w;

async function post(who: Account, channelId: string, content: string) {
  return expectOk(
    await h.request(who, 'POST', `/api/v10/channels/${channelId}/messages`, { content }),
    200,
    'post a message',
  ).body as { id: string; content: string };
}

async function textChannel(owner: Account, guildId: string, name: string, overwrites: unknown[] = []) {
  return expectOk(
    await h.request(owner, 'POST', `/api/v10/guilds/${guildId}/channels`, {
      name,
      type: 0,
      permission_overwrites: overwrites,
    }),
    201,
    'create channel',
  ).body as { id: string };
}

t.test('a message posted through REST reaches every member session, with contiguous s', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  // Without GUILD_PRESENCES no presence update comes between the messages.
  const intents = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;
  const a = await w.identify(alice, intents);
  const b = await w.identify(bob, intents);
  const first = await post(alice, guild.general, 'hello');
  const second = await post(bob, guild.general, 'hi alice');
  for (const client of [a.client, b.client]) {
    const start = client.dispatches('GUILD_CREATE').at(-1)?.s ?? 0;
    const m2 = await client.waitDispatch('MESSAGE_CREATE', (d) => d.id === second.id);
    const m1 = client.dispatches('MESSAGE_CREATE').find((p) => p.d.id === first.id);
    t.ok(m1, 'the first message arrived too');
    t.equal(m1?.d.content, 'hello');
    t.equal(m1?.d.channel_id, guild.general);
    t.equal(m1?.s, start + 1, 'sequences are contiguous');
    t.equal(m2.s, start + 2, 'in order');
  }
});

t.test('a member without VIEW_CHANNEL never receives events of that channel', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const secret = await textChannel(alice, guild.id, 'secret', [
    { id: guild.id, type: 0, allow: '0', deny: Permissions.VIEW_CHANNEL.toString() },
  ]);
  const b = await w.identify(bob);
  const a = await w.identify(alice);
  t.notOk(
    b.guildCreates[0]?.d.channels.some((c: { id: string }) => c.id === secret.id),
    'the hidden channel is not in GUILD_CREATE',
  );
  t.ok(
    a.guildCreates[0]?.d.channels.some((c: { id: string }) => c.id === secret.id),
    'the owner sees it',
  );
  const hidden = await post(alice, secret.id, 'for admins only');
  const visible = await post(alice, guild.general, 'for everyone');
  await a.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === hidden.id);
  // Events arrive in order: once the later one is here, the earlier one would have been too.
  await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === visible.id);
  t.notOk(
    b.client.received.some((p) => JSON.stringify(p).includes(secret.id)),
    'nothing about the hidden channel reached bob',
  );
});

t.test('a member stops receiving a channel right after an overwrite removes their access', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const other = await textChannel(alice, guild.id, 'other');
  const b = await w.identify(bob);
  const before = await post(alice, guild.general, 'before');
  await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === before.id);

  expectOk(
    await h.request(alice, 'PUT', `/api/v10/channels/${guild.general}/permissions/${bob.id}`, {
      type: 1,
      allow: '0',
      deny: Permissions.VIEW_CHANNEL.toString(),
    }),
    204,
    'deny bob',
  );
  const after = await post(alice, guild.general, 'after the overwrite');
  const marker = await post(alice, other.id, 'marker');
  await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === marker.id);
  t.notOk(
    b.client.dispatches('MESSAGE_CREATE').some((p) => p.d.id === after.id),
    'the message posted right after the overwrite did not reach bob',
  );
  const deleted = b.client.dispatches('CHANNEL_DELETE').find((p) => p.d.id === guild.general);
  t.ok(deleted, 'bob was told the channel is gone for him');
  t.notOk(
    b.client.dispatches('CHANNEL_UPDATE').some((p) => p.d.id === guild.general),
    'not even the update of the channel he lost',
  );
  const seqs = b.client.dispatches().map((p) => p.s);
  t.same(
    seqs,
    seqs.map((_, i) => i + 1),
    'sequence numbers stay contiguous',
  );

  expectOk(
    await h.request(alice, 'DELETE', `/api/v10/channels/${guild.general}/permissions/${bob.id}`),
    204,
    'lift the denial',
  );
  await b.client.waitDispatch('CHANNEL_CREATE', (d) => d.id === guild.general);
  const back = await post(alice, guild.general, 'welcome back');
  await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === back.id);
  t.pass('access given back is given back at once');
});

t.test('a bot without MESSAGE_CONTENT gets empty content unless it is mentioned', async (t) => {
  const alice = await w.user('alice');
  const guild = await w.guild(alice);
  const blind = await w.bot(alice, { name: 'Blind' });
  const reader = await w.bot(alice, { name: 'Reader' });
  await w.join(guild, alice, blind);
  await w.join(guild, alice, reader);
  const b = await w.identify(blind, Intents.GUILDS | Intents.GUILD_MESSAGES);
  const r = await w.identify(reader, Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT);
  t.equal(b.ready.d.application.id, blind.applicationId, 'READY carries the application');
  t.type(b.ready.d.application.flags, 'number');
  t.notOk('read_state' in b.ready.d, 'bots get no read states');

  const plain = await post(alice, guild.general, 'a secret plan');
  const mention = await post(alice, guild.general, `<@${blind.id}> what do you think?`);
  const got = await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === plain.id);
  t.equal(got.d.content, '', 'content withheld');
  t.same(got.d.embeds, []);
  const mentioned = await b.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === mention.id);
  t.equal(mentioned.d.content, `<@${blind.id}> what do you think?`, 'a mention shows the content');
  const read = await r.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === plain.id);
  t.equal(read.d.content, 'a secret plan', 'with MESSAGE_CONTENT the content is there');
});

t.test('events are filtered by intents', async (t) => {
  const alice = await w.user('alice');
  const guild = await w.guild(alice);
  const bot = await w.bot(alice);
  await w.join(guild, alice, bot);
  const guildsOnly = await w.identify(bot, Intents.GUILDS);
  const messagesOnly = await w.identify(alice, Intents.GUILD_MESSAGES);
  const all = await w.identify(alice, ALL_INTENTS);
  const channel = await textChannel(alice, guild.id, 'news');
  const message = await post(alice, channel.id, 'extra!');
  expectOk(await h.request(alice, 'POST', `/api/v10/channels/${channel.id}/typing`), 204, 'typing');
  await all.client.waitDispatch('TYPING_START', (d) => d.channel_id === channel.id);
  await guildsOnly.client.waitDispatch('CHANNEL_CREATE', (d) => d.id === channel.id);
  await messagesOnly.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === message.id);
  // TYPING_START came last for everyone: by the time `all` has it, the others have all they get.
  await new Promise((r) => setImmediate(r));
  t.same(
    guildsOnly.client
      .dispatches()
      .map((p) => p.t)
      .filter((x) => x !== 'GUILD_CREATE' && x !== 'READY'),
    ['CHANNEL_CREATE'],
    'GUILDS: the channel, not the message or typing',
  );
  t.notOk(messagesOnly.client.dispatches('CHANNEL_CREATE').length, 'GUILD_MESSAGES: no CHANNEL_CREATE');
  t.notOk(messagesOnly.client.dispatches('TYPING_START').length, 'no typing without GUILD_MESSAGE_TYPING');
  t.ok(all.client.dispatches('MESSAGE_CREATE').some((p) => p.d.id === message.id));
});

t.test('compress=zlib-stream sends every payload as binary frames of one deflate stream', async (t) => {
  const alice = await w.user('alice');
  const guild = await w.guild(alice);
  const client = await GatewayClient.connect(h.wsUrl, { zlib: true });
  t.teardown(() => client.terminate());
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 2, d: { token: alice.token, intents: ALL_INTENTS, properties: {} } });
  await client.waitDispatch('READY');
  await client.waitDispatch('GUILD_CREATE');
  const message = await post(alice, guild.general, 'compressed');
  const got = await client.waitDispatch('MESSAGE_CREATE', (d) => d.id === message.id);
  t.equal(got.d.content, 'compressed');
  t.ok(client.frames.length >= 4);
  t.ok(
    client.frames.every((f) => f.binary),
    'every frame is binary',
  );
});

t.test('REQUEST_GUILD_MEMBERS answers with GUILD_MEMBERS_CHUNK', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const bot = await w.bot(alice);
  await w.join(guild, alice, bot);
  const a = await w.identify(alice);
  a.client.send({ op: 8, d: { guild_id: guild.id, query: '', limit: 0, nonce: 'all' } });
  const all = await a.client.waitDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'all');
  t.equal(all.d.guild_id, guild.id);
  t.same(
    all.d.members.map((m: { user: { id: string } }) => m.user.id).sort(),
    [alice.id, bob.id, bot.id].sort(),
  );
  t.equal(all.s, a.client.lastSeq(), 'a response does not advance s');
  a.client.send({ op: 8, d: { guild_id: guild.id, user_ids: [bob.id, '123'], nonce: 'ids' } });
  const byIds = await a.client.waitDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'ids');
  t.same(
    byIds.d.members.map((m: { user: { id: string } }) => m.user.id),
    [bob.id],
  );
  t.same(byIds.d.not_found, ['123']);
  a.client.send({
    op: 8,
    d: { guild_id: guild.id, query: bob.record.username.slice(0, 3), limit: 10, nonce: 'q' },
  });
  const byQuery = await a.client.waitDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'q');
  t.ok(
    byQuery.d.members.some((m: { user: { id: string } }) => m.user.id === bob.id),
    'prefix search',
  );

  const b = await w.identify(bot, Intents.GUILDS);
  b.client.send({ op: 8, d: { guild_id: guild.id, query: '', limit: 0, nonce: 'n' } });
  const none = await b.client.waitDispatch('GUILD_MEMBERS_CHUNK', (d) => d.nonce === 'n');
  t.same(none.d.members, [], 'the whole list needs GUILD_MEMBERS');
});

t.test(
  'PRESENCE_UPDATE reaches members with GUILD_PRESENCES, and offline follows the last session',
  async (t) => {
    const alice = await w.user('alice');
    const bob = await w.user('bob');
    const guild = await w.guild(alice);
    await w.join(guild, alice, bob);
    const a = await w.identify(alice, ALL_INTENTS);
    const b = await w.identify(bob, ALL_INTENTS);
    await a.client.waitDispatch('PRESENCE_UPDATE', (d) => d.user.id === bob.id && d.status === 'online');
    b.client.send({
      op: 3,
      d: { since: null, activities: [{ name: 'chess', type: 0 }], status: 'dnd', afk: false },
    });
    const dnd = await a.client.waitDispatch(
      'PRESENCE_UPDATE',
      (d) => d.user.id === bob.id && d.status === 'dnd',
    );
    t.equal(dnd.d.guild_id, guild.id);
    t.same(dnd.d.activities, [{ name: 'chess', type: 0 }]);
    b.client.close(1000);
    await a.client.waitDispatch('PRESENCE_UPDATE', (d) => d.user.id === bob.id && d.status === 'offline');
    t.pass('offline once the last session closed');
  },
);
