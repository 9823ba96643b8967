import type {
  BanRecord,
  ChannelRecord,
  GuildRecord,
  InviteRecord,
  MemberRecord,
  MessageEditRecord,
  MessageRecord,
  ReactionCount,
  ReactionRecord,
  ReadStateRecord,
  RoleRecord,
} from './records.js';

/**
 * Storage ports of the text domain. Each adapter (sqlite/, mongo/) implements all of them and
 * passes the one contract suite in test/storage. Conventions as in common/src/storage/ports.ts:
 * uniqueness violations throw commonErrors STORE_CONFLICT with params.what; an unreachable
 * database throws STORE_UNAVAILABLE; after close every method rejects with InvalidStateError.
 *
 * Ids are decimal Snowflake strings below 2^63, ordered NUMERICALLY everywhere ("99" < "100").
 * A malformed id in a lookup is simply not found (null, [], false); writing one throws a
 * TypeError. Paging cursors (before/after/around) accept any decimal Snowflake up to 2^64.
 */

export interface GuildStore {
  /** Inserts a guild. */
  create(guild: GuildRecord): Promise<void>;
  /** The guild, or null. */
  get(id: string): Promise<GuildRecord | null>;
  /** Guilds with these ids (unknown skipped), in no particular order. */
  getMany(ids: string[]): Promise<GuildRecord[]>;
  /** Partial update; the updated guild or null. */
  update(id: string, patch: Partial<Omit<GuildRecord, 'id' | 'createdAt'>>): Promise<GuildRecord | null>;
  /** Deletes the guild AND everything in it (roles, channels, members, bans, invites, messages, reactions, read states of its channels). True if it existed. */
  delete(id: string): Promise<boolean>;
}

export interface RoleStore {
  /** Inserts a role. */
  create(role: RoleRecord): Promise<void>;
  /** The role in this guild, or null. */
  get(guildId: string, roleId: string): Promise<RoleRecord | null>;
  /** A guild's roles ordered by position, then id. */
  listByGuild(guildId: string): Promise<RoleRecord[]>;
  /** Partial update; the updated role or null. */
  update(
    guildId: string,
    roleId: string,
    patch: Partial<Omit<RoleRecord, 'id' | 'guildId' | 'createdAt'>>,
  ): Promise<RoleRecord | null>;
  /** Deletes the role and removes it from every member's roleIds and every overwrite. True if it existed. */
  delete(guildId: string, roleId: string): Promise<boolean>;
}

export interface ChannelStore {
  /**
   * Inserts a channel. STORE_CONFLICT what: 'id', or for a DM what: 'recipientIds' when the two
   * users already have one (so concurrent "open DM" requests cannot make two; call findDm).
   */
  create(channel: ChannelRecord): Promise<void>;
  /** The channel, or null. */
  get(id: string): Promise<ChannelRecord | null>;
  /** A guild's channels ordered by position, then id. */
  listByGuild(guildId: string): Promise<ChannelRecord[]>;
  /** The DM channel between exactly these two users, or null. */
  findDm(userA: string, userB: string): Promise<ChannelRecord | null>;
  /** DM channels a user is in, newest (highest channel id) first. */
  listDmsForUser(userId: string): Promise<ChannelRecord[]>;
  /** Partial update; the updated channel or null. recipientIds are fixed at creation (ignored). */
  update(
    id: string,
    patch: Partial<Omit<ChannelRecord, 'id' | 'guildId' | 'type' | 'createdAt'>>,
  ): Promise<ChannelRecord | null>;
  /** Deletes the channel with its messages, reactions, pins, invites and read states. True if it existed. */
  delete(id: string): Promise<boolean>;
}

export interface MemberStore {
  /** Adds a member; STORE_CONFLICT (what: 'member') if already one. */
  add(member: MemberRecord): Promise<void>;
  /** The member, or null. */
  get(guildId: string, userId: string): Promise<MemberRecord | null>;
  /** Members of a guild ordered by userId, after `after` (exclusive), at most `limit`. */
  list(guildId: string, options: { after?: string; limit: number }): Promise<MemberRecord[]>;
  /** Members with these user ids (unknown skipped). */
  getMany(guildId: string, userIds: string[]): Promise<MemberRecord[]>;
  /** Ids of the guilds a user is a member of. */
  listGuildIdsForUser(userId: string): Promise<string[]>;
  /** How many members a guild has. */
  count(guildId: string): Promise<number>;
  /** Partial update; the updated member or null. */
  update(
    guildId: string,
    userId: string,
    patch: Partial<Pick<MemberRecord, 'nick' | 'roleIds' | 'communicationDisabledUntil' | 'mute' | 'deaf'>>,
  ): Promise<MemberRecord | null>;
  /** Removes the member; true if they were one. */
  remove(guildId: string, userId: string): Promise<boolean>;
}

export interface BanStore {
  /** Records a ban; replaces an existing one (new reason). */
  put(ban: BanRecord): Promise<void>;
  /** The ban, or null. */
  get(guildId: string, userId: string): Promise<BanRecord | null>;
  /** A guild's bans ordered by userId, after `after`, at most `limit`. */
  list(guildId: string, options: { after?: string; limit: number }): Promise<BanRecord[]>;
  /** Lifts the ban; true if there was one. */
  delete(guildId: string, userId: string): Promise<boolean>;
}

export interface InviteStore {
  /** Inserts an invite; STORE_CONFLICT (what: 'code') on a code clash. */
  create(invite: InviteRecord): Promise<void>;
  /** The invite, or null (expired ones included: callers decide). */
  get(code: string): Promise<InviteRecord | null>;
  /** A guild's invites, oldest first. */
  listByGuild(guildId: string): Promise<InviteRecord[]>;
  /** A channel's invites, oldest first. */
  listByChannel(channelId: string): Promise<InviteRecord[]>;
  /**
   * Atomically counts one use if the invite exists, is not expired at `now` and has uses left.
   * Returns the updated invite, or null when it could not be used.
   */
  use(code: string, now: number): Promise<InviteRecord | null>;
  /** Deletes the invite; true if it existed. */
  delete(code: string): Promise<boolean>;
}

export interface MessageQuery {
  /**
   * Exactly one of before/after/around, or none (newest). `around` as Discord: floor(limit/2)
   * messages strictly older than it, and the rest from it (inclusive) onwards.
   */
  before?: string;
  after?: string;
  around?: string;
  /** 1-100. */
  limit: number;
}

export interface SearchQuery {
  guildId: string;
  /** Only these channels (the caller passes the ones the user may view). */
  channelIds: string[];
  /**
   * Full-text terms (FTS5 in SQLite, text index in MongoDB): whole words, case-insensitive, all
   * required. Never a query language: quotes, `*`, `NEAR`, parentheses are plain text (see
   * searchTerms.ts); input without any word matches nothing.
   */
  content?: string;
  authorId?: string;
  limit: number;
  offset: number;
}

export interface MessageStore {
  /**
   * Inserts a message, durably, before returning. With a nonce, a second create by the same author
   * in the same channel returns the FIRST message and created: false (retries are idempotent).
   * Also advances the channel's lastMessageId (never backwards); callers need not update it.
   * STORE_CONFLICT what: 'id' for a reused message id.
   */
  create(message: MessageRecord): Promise<{ message: MessageRecord; created: boolean }>;
  /** The message in this channel, or null. */
  get(channelId: string, messageId: string): Promise<MessageRecord | null>;
  /** Messages with these ids in this channel (unknown skipped). */
  getMany(channelId: string, messageIds: string[]): Promise<MessageRecord[]>;
  /** A page of a channel's history, NEWEST FIRST (Discord's order), including for `after`. */
  list(channelId: string, query: MessageQuery): Promise<MessageRecord[]>;
  /** Pinned messages, most recently pinned first. */
  listPinned(channelId: string): Promise<MessageRecord[]>;
  /** Search, newest first, with the total number of matches. */
  search(query: SearchQuery): Promise<{ total: number; messages: MessageRecord[] }>;
  /** Messages in the channel with id > afterId (all when null), capped at `cap` (unread badges). */
  countAfter(channelId: string, afterId: string | null, cap: number): Promise<number>;
  /**
   * Edits content/embeds/attachments (recording the previous content in the history when content
   * changes) or pin state. Returns the updated message or null.
   */
  update(
    channelId: string,
    messageId: string,
    patch: Partial<
      Pick<
        MessageRecord,
        | 'content'
        | 'embeds'
        | 'attachments'
        | 'pinned'
        | 'pinnedAt'
        | 'editedAt'
        | 'mentionUserIds'
        | 'mentionRoleIds'
        | 'mentionEveryone'
      >
    >,
  ): Promise<MessageRecord | null>;
  /** Previous versions of a message, oldest first. */
  listEdits(messageId: string): Promise<MessageEditRecord[]>;
  /** Deletes one message with its reactions and edit history; true if it existed. */
  delete(channelId: string, messageId: string): Promise<boolean>;
  /** Deletes these messages of the channel (with reactions and edits); the ids that existed, in the given order. */
  bulkDelete(channelId: string, messageIds: string[]): Promise<string[]>;
}

export interface ReactionStore {
  /** Adds a reaction; false if this user already reacted with this emoji. */
  add(reaction: ReactionRecord): Promise<boolean>;
  /** Removes one user's reaction; true if it existed. */
  remove(messageId: string, emoji: string, userId: string): Promise<boolean>;
  /** Removes all reactions of a message, or only those with `emoji`; how many. */
  removeAll(messageId: string, emoji?: string): Promise<number>;
  /** Users who reacted with `emoji`, ordered by userId, after `after`, at most `limit`. */
  listUsers(messageId: string, emoji: string, options: { after?: string; limit: number }): Promise<string[]>;
  /**
   * Counts per message (in first-reaction order of each emoji), with `me` for the viewer. Every
   * requested message id is a key; one without reactions maps to [].
   */
  counts(messageIds: string[], viewerId: string): Promise<Map<string, ReactionCount[]>>;
}

export interface ReadStateStore {
  /** A user's read state in a channel, or null (never acked). */
  get(userId: string, channelId: string): Promise<ReadStateRecord | null>;
  /** All of a user's read states. */
  listForUser(userId: string): Promise<ReadStateRecord[]>;
  /**
   * Marks the channel read up to messageId and clears its mention count. Never moves backwards:
   * an ack older than the current one changes nothing (and returns the current state).
   */
  ack(userId: string, channelId: string, messageId: string): Promise<ReadStateRecord>;
  /** Adds one mention for each user (creating read states as needed). */
  addMentions(channelId: string, userIds: string[]): Promise<void>;
}

/** All text-domain ports of one database, plus its lifecycle. */
export interface TextStorage {
  readonly kind: 'sqlite' | 'mongo';
  readonly guilds: GuildStore;
  readonly roles: RoleStore;
  readonly channels: ChannelStore;
  readonly members: MemberStore;
  readonly bans: BanStore;
  readonly invites: InviteStore;
  readonly messages: MessageStore;
  readonly reactions: ReactionStore;
  readonly readStates: ReadStateStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}
