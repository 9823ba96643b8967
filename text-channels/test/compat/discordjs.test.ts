import { once } from 'node:events';
import { RedisServer, waitFor } from '@driftway/common/testing';
import {
  ChannelType,
  Client,
  Events,
  GatewayIntentBits,
  type Message,
  PermissionFlagsBits,
} from 'discord.js';
import t from 'tap';
import type { TextHarness } from '../helpers/textHarness.js';
import { type DriftwayStack, expectStatus, startDriftwayStack } from './helpers/driftwayStack.js';

/**
 * The promise of following Discord's v10 protocol: discord.js, unmodified, pointed at Driftway's
 * one public URL with a Driftway bot token, logs in, caches the guild it was invited to, and
 * answers a message. Everything goes through the real gateway, as it would in production.
 */

interface Setup {
  owner: { id: string; authorization: string };
  guildId: string;
  channelId: string;
  botToken: string;
  botUserId: string;
  applicationId: string;
}

/** A user with a guild, and a bot application that joined it through an invite. */
async function setUp(stack: DriftwayStack): Promise<Setup> {
  const owner = await stack.register('alice');
  const guild = expectStatus(
    await stack.call(owner.authorization, 'POST', '/api/v10/guilds', { name: 'Ping Club' }),
    201,
    'create guild',
  ).body;
  const channels = expectStatus(
    await stack.call(owner.authorization, 'GET', `/api/v10/guilds/${guild.id}/channels`),
    200,
    'list channels',
  ).body as { id: string; type: number }[];
  const text = channels.find((c) => c.type === ChannelType.GuildText);
  if (!text) throw new Error(`the new guild has no text channel: ${JSON.stringify(channels)}`);

  const application = expectStatus(
    await stack.call(owner.authorization, 'POST', '/api/v10/applications', { name: 'Pong Bot' }),
    201,
    'create application',
  ).body;
  const botAuthorization = `Bot ${application.token}`;
  const invite = expectStatus(
    await stack.call(owner.authorization, 'POST', `/api/v10/channels/${text.id}/invites`, {}),
    200,
    'create invite',
  ).body;
  expectStatus(
    await stack.call(botAuthorization, 'POST', `/api/v10/invites/${invite.code}`, {}),
    200,
    'the bot accepts the invite',
  );
  return {
    owner,
    guildId: guild.id,
    channelId: text.id,
    botToken: application.token,
    botUserId: application.bot.id,
    applicationId: application.id,
  };
}

/** discord.js with nothing changed but where it connects: the REST base; the gateway URL it asks for. */
function newClient(stack: DriftwayStack, debug: string[], more: GatewayIntentBits[] = []): Client {
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      ...more,
    ],
    rest: { api: stack.apiBase },
  });
  // Kept for the failure message: what the library saw is the fastest way to the missing piece.
  client.on(Events.Debug, (line) => debug.push(line));
  client.on(Events.Error, (err) => debug.push(`error: ${err.stack ?? err.message}`));
  return client;
}

t.test('discord.js logs in with a bot token, caches its guild and answers !ping with pong', async (t) => {
  const stack = await startDriftwayStack(t);
  const setup = await setUp(stack);
  const debug: string[] = [];
  const client = newClient(stack, debug);
  t.teardown(() => client.destroy());
  t.teardown(() => {
    if (t.passing() && !process.env['COMPAT_DEBUG']) return;
    t.comment(`discord.js debug log:\n${debug.slice(-80).join('\n')}`);
  });

  const handled: Message[] = [];
  const failures: unknown[] = [];
  client.on(Events.MessageCreate, (message) => {
    if (message.author.bot || message.content !== '!ping') return;
    handled.push(message);
    message.reply('pong').catch((err: unknown) => failures.push(err));
  });

  // The gateway health-checks text-channels' real-time port (uWS answers GET /health there).
  await waitFor(
    async () => {
      const res = await fetch(`${stack.url}/ready`);
      const body = (await res.json()) as { checks: Record<string, { status: string }> };
      return body.checks['upstream:text-gateway']?.status === 'up';
    },
    { what: 'the real-time pool to be up in the gateway /ready', timeoutMs: 10_000 },
  );
  const ready = once(client, Events.ClientReady);
  await client.login(setup.botToken);
  await ready;

  t.equal(client.user?.id, setup.botUserId, 'READY named the bot user');
  t.equal(client.user?.bot, true);
  t.equal(client.application?.id, setup.applicationId, 'READY carried the application');
  const guild = client.guilds.cache.get(setup.guildId);
  t.ok(guild?.available, 'GUILD_CREATE made the guild available');
  const channel = guild?.channels.cache.get(setup.channelId);
  t.equal(channel?.type, ChannelType.GuildText, 'the text channel was cached from GUILD_CREATE');
  t.ok(guild?.members.me, 'the bot found its own member in the guild');

  const ping = expectStatus(
    await stack.call(setup.owner.authorization, 'POST', `/api/v10/channels/${setup.channelId}/messages`, {
      content: '!ping',
    }),
    200,
    'post !ping',
  ).body;

  await waitFor(() => handled.length === 1 || failures.length > 0, {
    what: 'discord.js to emit messageCreate for !ping',
    timeoutMs: 10_000,
  });
  t.equal(handled[0]?.id, ping.id);
  t.equal(handled[0]?.author.id, setup.owner.id);
  t.equal(handled[0]?.channelId, setup.channelId);
  t.equal(handled[0]?.guildId, setup.guildId);

  type Wire = {
    id: string;
    content: string;
    author: { id: string };
    message_reference?: { message_id?: string };
  };
  let reply: Wire | undefined;
  await waitFor(
    async () => {
      if (failures.length > 0) return true;
      const history = await stack.call(
        setup.owner.authorization,
        'GET',
        `/api/v10/channels/${setup.channelId}/messages?limit=10`,
      );
      reply = (history.body as Wire[]).find((m) => m.content === 'pong');
      return reply !== undefined;
    },
    { what: 'the reply in the channel history', timeoutMs: 10_000 },
  );
  t.same(failures, [], 'the reply went through the library without an error');
  t.equal(reply?.author.id, setup.botUserId, 'the bot wrote it');
  t.equal(reply?.message_reference?.message_id, ping.id, 'as a reply to !ping');
});

t.test(
  'discord.js drives the everyday bot calls: embeds, edits, reactions, typing, pins, history, members',
  async (t) => {
    const stack = await startDriftwayStack(t);
    const setup = await setUp(stack);
    const debug: string[] = [];
    const client = newClient(stack, debug, [
      GatewayIntentBits.GuildMembers,
      GatewayIntentBits.GuildMessageReactions,
    ]);
    t.teardown(() => client.destroy());
    t.teardown(() => {
      if (t.passing() && !process.env['COMPAT_DEBUG']) return;
      t.comment(`discord.js debug log:\n${debug.slice(-80).join('\n')}`);
    });
    // As a server admin would: a role that lets the bot pin messages.
    const role = expectStatus(
      await stack.call(setup.owner.authorization, 'POST', `/api/v10/guilds/${setup.guildId}/roles`, {
        name: 'Moderator',
        permissions: String(PermissionFlagsBits.ManageMessages),
      }),
      200,
      'create role',
    ).body;
    expectStatus(
      await stack.call(
        setup.owner.authorization,
        'PUT',
        `/api/v10/guilds/${setup.guildId}/members/${setup.botUserId}/roles/${role.id}`,
      ),
      204,
      'give the bot the role',
    );
    const ready = once(client, Events.ClientReady);
    await client.login(setup.botToken);
    await ready;

    const channel = await client.channels.fetch(setup.channelId);
    if (!channel?.isTextBased() || !channel.isSendable())
      throw new Error('the channel is not a sendable text channel');
    t.equal(channel.id, setup.channelId, 'GET /channels/:id');

    const sent = await channel.send({
      content: 'hello',
      embeds: [{ title: 'Status', description: 'all good' }],
    });
    t.equal(sent.embeds[0]?.title, 'Status', 'an embed went through and came back');
    const edited = await sent.edit('hello, edited');
    t.equal(edited.content, 'hello, edited');
    t.ok(edited.editedTimestamp, 'edited_timestamp is set');

    const reactionSeen = once(client, Events.MessageReactionAdd);
    await sent.react('👍');
    const [reaction] = (await reactionSeen) as [{ emoji: { name: string | null } }];
    t.equal(reaction.emoji.name, '👍', 'MESSAGE_REACTION_ADD reached the bot');
    const users = await sent.reactions.cache.get('👍')?.users.fetch();
    t.ok(users?.has(setup.botUserId), 'GET …/reactions/:emoji lists the bot');

    await channel.sendTyping();
    await sent.pin();
    const pins = await channel.messages.fetchPins();
    t.ok(
      pins.items.some((pin) => pin.message.id === sent.id),
      'the pinned message is listed',
    );
    await sent.unpin();

    const history = await channel.messages.fetch({ limit: 10 });
    t.ok(history.has(sent.id), 'GET /channels/:id/messages');
    const one = await channel.messages.fetch({ message: sent.id, force: true });
    t.equal(one.content, 'hello, edited', 'GET /channels/:id/messages/:mid');

    const guild = client.guilds.cache.get(setup.guildId);
    const owner = await guild?.members.fetch(setup.owner.id);
    t.equal(owner?.id, setup.owner.id, 'GET /guilds/:id/members/:userId');
    const everyone = await guild?.members.fetch();
    t.equal(everyone?.size, 2, 'REQUEST_GUILD_MEMBERS (op 8) returned the owner and the bot');

    await sent.delete();
    await t.rejects(
      channel.messages.fetch({ message: sent.id, force: true }),
      { code: 10008, status: 404 },
      'a deleted message is gone (10008 Unknown Message)',
    );
  },
);

t.test(
  'discord.js follows RECONNECT when its instance shuts down, resumes on another and keeps answering',
  async (t) => {
    const redis = await RedisServer.start();
    t.teardown(() => redis.stop());
    const stack = await startDriftwayStack(t, { textInstances: 2, redisUrl: redis.url });
    const setup = await setUp(stack);
    const debug: string[] = [];
    const client = newClient(stack, debug);
    t.teardown(() => client.destroy());
    t.teardown(() => {
      if (t.passing() && !process.env['COMPAT_DEBUG']) return;
      t.comment(`discord.js debug log:\n${debug.slice(-80).join('\n')}`);
    });
    const dispatched: string[] = [];
    client.on(Events.Raw, (packet: { t: string | null }) => {
      if (packet.t) dispatched.push(packet.t);
    });
    let resumed = false;
    client.on(Events.ShardResume, () => {
      resumed = true;
    });
    client.on(Events.MessageCreate, (message) => {
      if (message.author.bot || message.content !== '!ping') return;
      void message.reply('pong').catch((err: unknown) => debug.push(`reply failed: ${String(err)}`));
    });
    const ready = once(client, Events.ClientReady);
    await client.login(setup.botToken);
    await ready;

    const [first, second] = stack.texts as [TextHarness, TextHarness];
    await waitFor(() => first.app.realtime.sessionCount() + second.app.realtime.sessionCount() === 1, {
      what: 'the bot session on one instance',
    });
    const [holder, other] = first.app.realtime.sessionCount() === 1 ? [first, second] : [second, first];

    // Graceful shutdown: op 7 RECONNECT, then close. The library must come back through the
    // gateway's URL, land on the other instance and RESUME (no second READY).
    await holder.app.close();
    await waitFor(() => resumed, { what: 'discord.js to resume', timeoutMs: 20_000 });
    t.equal(other.app.realtime.sessionCount(), 1, 'the session lives on the other instance now');
    t.same(
      dispatched.filter((name) => name === 'READY' || name === 'RESUMED'),
      ['READY', 'RESUMED'],
      'resumed, not re-identified',
    );

    // REST too has one instance left once the gateway's health checks have seen the other go.
    await waitFor(
      async () => {
        const body = (await (await fetch(`${stack.url}/ready`)).json()) as {
          checks: Record<string, { healthy: number }>;
        };
        return body.checks['upstream:text']?.healthy === 1;
      },
      { what: 'the stopped instance to leave the REST rotation' },
    );
    expectStatus(
      await stack.call(setup.owner.authorization, 'POST', `/api/v10/channels/${setup.channelId}/messages`, {
        content: '!ping',
      }),
      200,
      'post !ping',
    );
    await waitFor(
      async () => {
        const history = await stack.call(
          setup.owner.authorization,
          'GET',
          `/api/v10/channels/${setup.channelId}/messages?limit=10`,
        );
        return (history.body as { content: string; author: { id: string } }[]).some(
          (m) => m.content === 'pong' && m.author.id === setup.botUserId,
        );
      },
      { what: 'the bot to answer after the resume', timeoutMs: 10_000 },
    );
  },
);
