import t from 'tap';
import { ChannelType } from '../../src/storage/records.js';
import { toWireBan } from '../../src/wire/WireBan.js';
import { toWireChannel } from '../../src/wire/WireChannel.js';
import { toWireGuild, toWirePartialGuild } from '../../src/wire/WireGuild.js';
import { toWireInvite } from '../../src/wire/WireInvite.js';
import { toWireMember } from '../../src/wire/WireMember.js';
import { deletedWireUser, toWireUser } from '../../src/wire/WireUser.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const user = {
  id: '11',
  username: 'alice',
  globalName: 'Alice',
  email: 'alice@example.com',
  passwordHash: 'scrypt$secret',
  bot: false,
  avatar: null,
  createdAt: T,
};
const users = new Map([[user.id, user]]);
const guild = {
  id: '1',
  name: 'G',
  ownerId: '11',
  icon: null,
  description: null,
  systemChannelId: '2',
  createdAt: T,
};
const role = {
  id: '1',
  guildId: '1',
  name: '@everyone',
  color: 0,
  hoist: false,
  position: 0,
  permissions: '1024',
  mentionable: false,
  createdAt: T,
};
const channel = {
  id: '2',
  guildId: '1',
  type: ChannelType.GUILD_TEXT,
  name: 'general',
  topic: null,
  position: 0,
  parentId: '3',
  nsfw: false,
  rateLimitPerUser: 0,
  bitrate: null,
  userLimit: null,
  permissionOverwrites: [{ id: '1', type: 0 as const, allow: '0', deny: '2048' }],
  recipientIds: [],
  lastMessageId: '99',
  lastPinTimestamp: null,
  createdAt: T,
};

t.test('a user on the wire never carries email or password hash', async (t) => {
  const wire = toWireUser(user);
  t.same(
    {
      id: wire.id,
      username: wire.username,
      global_name: wire.global_name,
      discriminator: wire.discriminator,
      bot: wire.bot,
    },
    { id: '11', username: 'alice', global_name: 'Alice', discriminator: '0', bot: false },
  );
  t.notOk(JSON.stringify(wire).includes('example.com'));
  t.notOk(JSON.stringify(wire).includes('scrypt'));
  t.equal(deletedWireUser('5').username, 'Deleted User');
});

t.test('guild, role and channel objects have Discord’s v10 fields', async (t) => {
  const g = toWireGuild(guild, [role]);
  t.equal(g.owner_id, '11');
  t.same(g.features, []);
  t.equal(g.roles[0]?.permissions, '1024');
  t.equal(g.system_channel_id, '2');
  const c = toWireChannel(channel);
  t.same(c.permission_overwrites, [{ id: '1', type: 0, allow: '0', deny: '2048' }]);
  t.equal(c.parent_id, '3');
  t.equal(c.last_message_id, '99');
  t.equal(c.rate_limit_per_user, 0);
  t.equal(c.topic, null);
  const partial = toWirePartialGuild(guild, '11', 1n << 40n);
  t.equal(partial.owner, true);
  t.equal(partial.permissions, '1099511627776');
});

t.test('a DM lists the other participant as recipients', async (t) => {
  const dm = {
    ...channel,
    guildId: null,
    type: ChannelType.DM,
    name: null,
    parentId: null,
    recipientIds: ['11', '12'],
  };
  const wire = toWireChannel(dm, { viewerId: '12', users });
  t.equal(wire.guild_id, undefined);
  t.same(
    wire.recipients?.map((u) => u.id),
    ['11'],
  );
  t.equal(toWireChannel(dm, { viewerId: '11', users }).recipients?.[0]?.username, 'Deleted User');
});

t.test('members, invites and bans use ISO timestamps and nested users', async (t) => {
  const m = toWireMember(
    {
      guildId: '1',
      userId: '11',
      nick: 'A',
      roleIds: ['7'],
      joinedAt: T,
      communicationDisabledUntil: T + 1000,
      mute: true,
      deaf: false,
    },
    users,
  );
  t.equal(m.joined_at, '2026-01-02T03:04:05.000Z');
  t.equal(m.mute, true, 'server mute is the member record’s');
  t.equal(m.deaf, false);
  t.equal(m.communication_disabled_until, '2026-01-02T03:04:06.000Z');
  t.equal(m.user.id, '11');
  t.same(m.roles, ['7']);
  const invite = {
    code: 'abcdefgh',
    guildId: '1',
    channelId: '2',
    inviterId: '11',
    maxAge: 60,
    maxUses: 2,
    uses: 1,
    temporary: false,
    createdAt: T,
    expiresAt: T + 60_000,
  };
  const full = toWireInvite(invite, guild, channel, users, {
    metadata: true,
    counts: { members: 3, presences: 1 },
  });
  t.equal(full.expires_at, '2026-01-02T03:05:05.000Z');
  t.equal(full.uses, 1);
  t.equal(full.max_uses, 2);
  t.equal(full.approximate_member_count, 3);
  t.same(full.channel, { id: '2', name: 'general', type: 0 });
  const preview = toWireInvite(invite, guild, channel, users, { metadata: false });
  t.equal(preview.uses, undefined);
  t.same(toWireBan({ guildId: '1', userId: '11', reason: null, createdAt: T }, users), {
    reason: null,
    user: toWireUser(user),
  });
});
