import t from 'tap';
import {
  applyImplicit,
  applyOverwrites,
  computeBasePermissions,
  computeChannelPermissions,
  computeGuildPermissions,
  isTimedOut,
  type MemberLike,
  type RoleLike,
} from '../../src/permissions/PermissionCalculator.js';
import {
  ALL_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  Permissions as P,
  parsePermissions,
  permissionNames,
} from '../../src/permissions/Permissions.js';
import { ChannelType, type ChannelTypeValue, type PermissionOverwrite } from '../../src/storage/records.js';

const GUILD = { id: '100', ownerId: '1' };
const NOW = 1_800_000_000_000;
const s = (bits: bigint) => bits.toString();

const everyone = (bits: bigint): RoleLike => ({ id: GUILD.id, permissions: s(bits) });
const role = (id: string, bits: bigint): RoleLike => ({ id, permissions: s(bits) });
const member = (userId: string, roleIds: string[] = [], until: number | null = null): MemberLike => ({
  userId,
  roleIds,
  communicationDisabledUntil: until,
});
const roleOw = (id: string, allow: bigint, deny: bigint): PermissionOverwrite => ({
  id,
  type: 0,
  allow: s(allow),
  deny: s(deny),
});
const memberOw = (id: string, allow: bigint, deny: bigint): PermissionOverwrite => ({
  id,
  type: 1,
  allow: s(allow),
  deny: s(deny),
});

const VIEW_SEND = P.VIEW_CHANNEL | P.SEND_MESSAGES;

t.test('the flags carry Discord’s exact bit values', async (t) => {
  const expected: [keyof typeof P, bigint][] = [
    ['CREATE_INSTANT_INVITE', 0x1n],
    ['KICK_MEMBERS', 0x2n],
    ['BAN_MEMBERS', 0x4n],
    ['ADMINISTRATOR', 0x8n],
    ['MANAGE_CHANNELS', 0x10n],
    ['MANAGE_GUILD', 0x20n],
    ['ADD_REACTIONS', 0x40n],
    ['VIEW_AUDIT_LOG', 0x80n],
    ['PRIORITY_SPEAKER', 0x100n],
    ['STREAM', 0x200n],
    ['VIEW_CHANNEL', 0x400n],
    ['SEND_MESSAGES', 0x800n],
    ['SEND_TTS_MESSAGES', 0x1000n],
    ['MANAGE_MESSAGES', 0x2000n],
    ['EMBED_LINKS', 0x4000n],
    ['ATTACH_FILES', 0x8000n],
    ['READ_MESSAGE_HISTORY', 0x10000n],
    ['MENTION_EVERYONE', 0x20000n],
    ['USE_EXTERNAL_EMOJIS', 0x40000n],
    ['CONNECT', 0x100000n],
    ['SPEAK', 0x200000n],
    ['MUTE_MEMBERS', 0x400000n],
    ['DEAFEN_MEMBERS', 0x800000n],
    ['MOVE_MEMBERS', 0x1000000n],
    ['USE_VAD', 0x2000000n],
    ['CHANGE_NICKNAME', 0x4000000n],
    ['MANAGE_NICKNAMES', 0x8000000n],
    ['MANAGE_ROLES', 0x10000000n],
    ['MANAGE_WEBHOOKS', 0x20000000n],
    ['MODERATE_MEMBERS', 0x10000000000n],
  ];
  for (const [name, bit] of expected) t.equal(P[name], bit, name);
  // Discord's classic default for @everyone is a subset of ours.
  t.equal(DEFAULT_EVERYONE_PERMISSIONS & 104324673n, 104324673n);
  t.equal(DEFAULT_EVERYONE_PERMISSIONS & (P.ADMINISTRATOR | P.MANAGE_GUILD | P.KICK_MEMBERS), 0n);
});

t.test('parsePermissions reads decimal strings beyond 2^53 and treats garbage as nothing', async (t) => {
  t.equal(parsePermissions(s(P.MODERATE_MEMBERS | P.VIEW_CHANNEL)), P.MODERATE_MEMBERS | P.VIEW_CHANNEL);
  t.equal(parsePermissions('-1'), 0n);
  t.equal(parsePermissions('0x10'), 0n);
  t.equal(parsePermissions(''), 0n);
  t.equal(parsePermissions(null), 0n);
  t.same(permissionNames(P.KICK_MEMBERS | P.BAN_MEMBERS), ['KICK_MEMBERS', 'BAN_MEMBERS']);
});

t.test('base permissions: owner, @everyone, roles OR’d, ADMINISTRATOR', async (t) => {
  const roles = [
    everyone(P.VIEW_CHANNEL),
    role('10', P.SEND_MESSAGES),
    role('11', P.KICK_MEMBERS),
    role('12', P.ADMINISTRATOR),
  ];
  const cases: { name: string; member: MemberLike; expected: bigint }[] = [
    {
      name: 'the owner holds every permission even with no roles',
      member: member('1'),
      expected: ALL_PERMISSIONS,
    },
    { name: 'a member without roles holds @everyone’s', member: member('2'), expected: P.VIEW_CHANNEL },
    {
      name: 'roles are OR’d onto @everyone',
      member: member('2', ['10', '11']),
      expected: P.VIEW_CHANNEL | P.SEND_MESSAGES | P.KICK_MEMBERS,
    },
    {
      name: 'ADMINISTRATOR from any role grants everything',
      member: member('2', ['12']),
      expected: ALL_PERMISSIONS,
    },
    { name: 'an unknown role id grants nothing', member: member('2', ['999']), expected: P.VIEW_CHANNEL },
  ];
  for (const c of cases)
    t.equal(computeBasePermissions({ guild: GUILD, roles, member: c.member }), c.expected, c.name);
});

t.test('channel overwrites apply in Discord’s order', async (t) => {
  const roles = [everyone(VIEW_SEND | P.ADD_REACTIONS), role('10', 0n), role('11', 0n)];
  const cases: { name: string; overwrites: PermissionOverwrite[]; member: MemberLike; expected: bigint }[] = [
    {
      name: 'the @everyone overwrite denies for everybody',
      overwrites: [roleOw(GUILD.id, 0n, P.SEND_MESSAGES)],
      member: member('2', ['10']),
      expected: P.VIEW_CHANNEL | P.ADD_REACTIONS,
    },
    {
      name: 'a role overwrite allow beats the @everyone overwrite deny',
      overwrites: [roleOw(GUILD.id, 0n, P.SEND_MESSAGES), roleOw('10', P.SEND_MESSAGES, 0n)],
      member: member('2', ['10']),
      expected: VIEW_SEND | P.ADD_REACTIONS,
    },
    {
      name: 'role overwrites combine: any role’s allow wins over another role’s deny',
      overwrites: [roleOw('10', 0n, P.ADD_REACTIONS), roleOw('11', P.ADD_REACTIONS, 0n)],
      member: member('2', ['10', '11']),
      expected: VIEW_SEND | P.ADD_REACTIONS,
    },
    {
      name: 'a role overwrite for a role the member lacks does nothing',
      overwrites: [roleOw('11', 0n, P.VIEW_CHANNEL)],
      member: member('2', ['10']),
      expected: VIEW_SEND | P.ADD_REACTIONS,
    },
    {
      name: 'the member overwrite beats role overwrites',
      overwrites: [
        roleOw('10', P.MANAGE_MESSAGES, 0n),
        memberOw('2', 0n, P.MANAGE_MESSAGES | P.SEND_MESSAGES),
      ],
      member: member('2', ['10']),
      expected: P.VIEW_CHANNEL | P.ADD_REACTIONS,
    },
    {
      name: 'another member’s overwrite does nothing',
      overwrites: [memberOw('3', 0n, P.VIEW_CHANNEL)],
      member: member('2'),
      expected: VIEW_SEND | P.ADD_REACTIONS,
    },
    {
      name: 'a member overwrite can grant what no role has',
      overwrites: [memberOw('2', P.MANAGE_MESSAGES, 0n)],
      member: member('2'),
      expected: VIEW_SEND | P.ADD_REACTIONS | P.MANAGE_MESSAGES,
    },
  ];
  for (const c of cases) {
    const base = computeBasePermissions({ guild: GUILD, roles, member: c.member });
    t.equal(applyOverwrites(base, c.overwrites, GUILD.id, c.member), c.expected, c.name);
  }
});

t.test('fully resolved channel permissions', async (t) => {
  const roles = [
    everyone(DEFAULT_EVERYONE_PERMISSIONS),
    role('10', P.ADMINISTRATOR),
    role('11', P.MANAGE_MESSAGES),
  ];
  const hidden = [roleOw(GUILD.id, 0n, P.VIEW_CHANNEL)];
  const cases: {
    name: string;
    member: MemberLike;
    type?: ChannelTypeValue;
    overwrites?: PermissionOverwrite[];
    check: (p: bigint) => boolean;
  }[] = [
    {
      name: 'a channel without VIEW_CHANNEL grants nothing at all',
      member: member('2', ['11']),
      overwrites: hidden,
      check: (p) => p === 0n,
    },
    {
      name: 'the owner sees a hidden channel with every permission',
      member: member('1'),
      overwrites: hidden,
      check: (p) => p === ALL_PERMISSIONS,
    },
    {
      name: 'ADMINISTRATOR bypasses every overwrite',
      member: member('2', ['10']),
      overwrites: [...hidden, memberOw('2', 0n, ALL_PERMISSIONS)],
      check: (p) => p === ALL_PERMISSIONS,
    },
    {
      name: 'without SEND_MESSAGES the send-dependent abilities go too',
      member: member('2'),
      overwrites: [roleOw(GUILD.id, 0n, P.SEND_MESSAGES)],
      check: (p) =>
        (p &
          (P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.ATTACH_FILES | P.EMBED_LINKS | P.SEND_MESSAGES)) ===
          0n &&
        (p & P.READ_MESSAGE_HISTORY) !== 0n &&
        (p & P.ADD_REACTIONS) !== 0n,
    },
    {
      name: 'a voice channel without CONNECT drops speaking and streaming',
      member: member('2'),
      type: ChannelType.GUILD_VOICE,
      overwrites: [roleOw(GUILD.id, 0n, P.CONNECT)],
      check: (p) => (p & (P.SPEAK | P.STREAM | P.USE_VAD | P.CONNECT)) === 0n && (p & P.VIEW_CHANNEL) !== 0n,
    },
    {
      name: 'a text channel without CONNECT keeps everything else',
      member: member('2'),
      overwrites: [roleOw(GUILD.id, 0n, P.CONNECT)],
      check: (p) => (p & P.SPEAK) !== 0n,
    },
    {
      name: 'a timed-out member keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY',
      member: member('2', ['11'], NOW + 60_000),
      check: (p) => p === (P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY),
    },
    {
      name: 'a timeout that has ended no longer restricts',
      member: member('2', ['11'], NOW - 1),
      check: (p) => (p & (P.SEND_MESSAGES | P.MANAGE_MESSAGES)) === (P.SEND_MESSAGES | P.MANAGE_MESSAGES),
    },
    {
      name: 'a timed-out member still cannot see a hidden channel',
      member: member('2', [], NOW + 60_000),
      overwrites: hidden,
      check: (p) => p === 0n,
    },
    {
      name: 'an ADMINISTRATOR is exempt from a timeout',
      member: member('2', ['10'], NOW + 60_000),
      check: (p) => p === ALL_PERMISSIONS,
    },
    {
      name: 'the owner is exempt from a timeout',
      member: member('1', [], NOW + 60_000),
      check: (p) => p === ALL_PERMISSIONS,
    },
  ];
  for (const c of cases) {
    const p = computeChannelPermissions({
      guild: GUILD,
      roles,
      member: c.member,
      channel: { type: c.type ?? ChannelType.GUILD_TEXT, permissionOverwrites: c.overwrites ?? [] },
      now: NOW,
    });
    t.ok(c.check(p), `${c.name} (got ${permissionNames(p).join(',')})`);
  }
});

t.test('guild permissions apply a running timeout to guild-wide powers', async (t) => {
  const roles = [everyone(P.VIEW_CHANNEL), role('11', P.KICK_MEMBERS | P.BAN_MEMBERS)];
  t.equal(
    computeGuildPermissions({ guild: GUILD, roles, member: member('2', ['11'], NOW + 1000), now: NOW }),
    P.VIEW_CHANNEL,
  );
  t.equal(
    computeGuildPermissions({ guild: GUILD, roles, member: member('2', ['11'], null), now: NOW }),
    P.VIEW_CHANNEL | P.KICK_MEMBERS | P.BAN_MEMBERS,
  );
  t.ok(isTimedOut({ communicationDisabledUntil: NOW + 1 }, NOW));
  t.notOk(isTimedOut({ communicationDisabledUntil: NOW }, NOW));
  t.notOk(isTimedOut({ communicationDisabledUntil: null }, NOW));
});

t.test('implicit rules are pure on their own', async (t) => {
  t.equal(applyImplicit(P.SEND_MESSAGES | P.EMBED_LINKS, ChannelType.GUILD_TEXT), 0n);
  t.equal(applyImplicit(P.VIEW_CHANNEL | P.EMBED_LINKS, ChannelType.GUILD_TEXT), P.VIEW_CHANNEL);
  t.equal(
    applyImplicit(P.VIEW_CHANNEL | P.SPEAK | P.CONNECT, ChannelType.GUILD_VOICE),
    P.VIEW_CHANNEL | P.SPEAK | P.CONNECT,
  );
});
