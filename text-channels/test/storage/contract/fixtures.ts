import { DriftwayError } from '@driftway/common';
import type { Test } from 'tap';
import type { TextStorage } from '../../../src/storage/ports.js';
import type {
  BanRecord,
  ChannelRecord,
  GuildRecord,
  InviteRecord,
  MemberRecord,
  MessageRecord,
  ReactionRecord,
  RoleRecord,
} from '../../../src/storage/records.js';

/** Opens a fresh, empty text storage; the suite closes what it opens. */
export type OpenTextStorage = () => Promise<TextStorage>;

/** A storage for one subtest, closed when it ends. */
export async function fresh(t: Test, open: OpenTextStorage): Promise<TextStorage> {
  const storage = await open();
  t.teardown(() => storage.close());
  return storage;
}

let sequence = 0;
/**
 * Ids unique across the whole run (so records of different subtests never collide by accident),
 * Snowflake-sized: 19 digits, like real ones. Tests about digit counts pick their own short ids.
 */
export function nextId(): string {
  sequence += 1;
  return String(1_300_000_000_000_000_000n + BigInt(sequence) * 4096n);
}

/** Numeric order of decimal ids, to state expectations independently of the adapters. */
export function byIdDesc(a: string, b: string): number {
  return a.length !== b.length ? b.length - a.length : a < b ? 1 : a > b ? -1 : 0;
}

export function byIdAsc(a: string, b: string): number {
  return -byIdDesc(a, b);
}

export const T0 = 1_767_225_600_000;

export function aGuild(overrides: Partial<GuildRecord> = {}): GuildRecord {
  const id = overrides.id ?? nextId();
  return {
    id,
    name: `Guild ${id}`,
    ownerId: nextId(),
    icon: null,
    description: null,
    systemChannelId: null,
    createdAt: T0,
    ...overrides,
  };
}

export function aRole(guildId: string, overrides: Partial<RoleRecord> = {}): RoleRecord {
  return {
    id: nextId(),
    guildId,
    name: 'role',
    color: 0,
    hoist: false,
    position: 1,
    permissions: '1024',
    mentionable: false,
    createdAt: T0,
    ...overrides,
  };
}

export function aChannel(guildId: string, overrides: Partial<ChannelRecord> = {}): ChannelRecord {
  return {
    id: nextId(),
    guildId,
    type: 0,
    name: 'general',
    topic: null,
    position: 0,
    parentId: null,
    nsfw: false,
    rateLimitPerUser: 0,
    bitrate: null,
    userLimit: null,
    permissionOverwrites: [],
    recipientIds: [],
    lastMessageId: null,
    lastPinTimestamp: null,
    createdAt: T0,
    ...overrides,
  };
}

export function aDm(userA: string, userB: string, overrides: Partial<ChannelRecord> = {}): ChannelRecord {
  return aChannel('0', {
    guildId: null,
    type: 1,
    name: null,
    recipientIds: [userA, userB].sort(byIdAsc),
    ...overrides,
  });
}

export function aMember(guildId: string, overrides: Partial<MemberRecord> = {}): MemberRecord {
  return {
    guildId,
    userId: nextId(),
    nick: null,
    roleIds: [],
    joinedAt: T0,
    communicationDisabledUntil: null,
    mute: false,
    deaf: false,
    ...overrides,
  };
}

export function aBan(guildId: string, overrides: Partial<BanRecord> = {}): BanRecord {
  return { guildId, userId: nextId(), reason: null, createdAt: T0, ...overrides };
}

let inviteSequence = 0;
export function anInvite(
  guildId: string,
  channelId: string,
  overrides: Partial<InviteRecord> = {},
): InviteRecord {
  inviteSequence += 1;
  return {
    code: `code${inviteSequence}Ab`,
    guildId,
    channelId,
    inviterId: nextId(),
    maxAge: 0,
    maxUses: 0,
    uses: 0,
    temporary: false,
    createdAt: T0,
    expiresAt: null,
    ...overrides,
  };
}

export function aMessage(channel: ChannelRecord, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: nextId(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: '4242',
    type: 0,
    content: 'hello',
    nonce: null,
    mentionEveryone: false,
    mentionUserIds: [],
    mentionRoleIds: [],
    attachments: [],
    embeds: [],
    reference: null,
    pinned: false,
    pinnedAt: null,
    editedAt: null,
    createdAt: T0,
    ...overrides,
  };
}

export function aReaction(message: MessageRecord, overrides: Partial<ReactionRecord> = {}): ReactionRecord {
  return {
    messageId: message.id,
    channelId: message.channelId,
    emoji: '👍',
    userId: nextId(),
    createdAt: T0,
    ...overrides,
  };
}

/** A guild with one text channel, both stored. */
export async function aGuildWithChannel(
  s: TextStorage,
): Promise<{ guild: GuildRecord; channel: ChannelRecord }> {
  const guild = aGuild();
  const channel = aChannel(guild.id);
  await s.guilds.create(guild);
  await s.channels.create(channel);
  return { guild, channel };
}

/** Stores `count` messages in `channel` with rising ids; returns them oldest first. */
export async function seedMessages(
  s: TextStorage,
  channel: ChannelRecord,
  count: number,
  overrides: (i: number) => Partial<MessageRecord> = () => ({}),
): Promise<MessageRecord[]> {
  const messages: MessageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const message = aMessage(channel, { content: `message ${i}`, createdAt: T0 + i, ...overrides(i) });
    messages.push(message);
  }
  // Concurrently: the adapters must not care, and it keeps a 150-message setup fast.
  await Promise.all(messages.map((m) => s.messages.create(m)));
  return messages;
}

/** Expects `attempt` to reject with STORE_CONFLICT about `what`, wrapping the driver error. */
export async function expectConflict(t: Test, attempt: Promise<unknown>, what: string): Promise<void> {
  const err = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof DriftwayError, `a conflict on ${what} rejects with a DriftwayError`);
  t.match(err, { key: 'STORE_CONFLICT', status: 409, params: { what } }, `the conflict names ${what}`);
  t.ok((err as Error | null)?.cause instanceof Error, 'the driver error is kept as cause');
}

export function ids(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id);
}

export function publicMethods(target: unknown): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter(
    (name) => name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function',
  );
}
