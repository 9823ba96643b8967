import type { Database, Statement } from 'better-sqlite3';

/**
 * The dependent rows of a channel or a guild, deleted by explicit statements (the schema has no
 * foreign keys; see migrations.ts). Each method must run inside the caller's transaction, so a
 * delete is all or nothing.
 */
export class SqliteCascade {
  readonly #channelReactions: Statement<[bigint]>;
  readonly #channelEdits: Statement<[bigint]>;
  readonly #channelMessages: Statement<[bigint]>;
  readonly #channelInvites: Statement<[bigint]>;
  readonly #channelReadStates: Statement<[bigint]>;
  readonly #channelRecipients: Statement<[{ channel: bigint }]>;
  readonly #channel: Statement<[bigint]>;
  readonly #guildChannels: Statement<[bigint], { id: bigint }>;
  readonly #guildInvites: Statement<[bigint]>;
  readonly #guildBans: Statement<[bigint]>;
  readonly #guildMembers: Statement<[bigint]>;
  readonly #guildRoles: Statement<[bigint]>;
  readonly #guild: Statement<[bigint]>;

  constructor(db: Database) {
    const ofChannel = 'SELECT id FROM messages WHERE channel_id = ?';
    this.#channelReactions = db.prepare(`DELETE FROM reactions WHERE message_id IN (${ofChannel})`);
    this.#channelEdits = db.prepare(`DELETE FROM message_edits WHERE message_id IN (${ofChannel})`);
    // Each deleted row fires the FTS delete trigger, so search forgets the channel too.
    this.#channelMessages = db.prepare('DELETE FROM messages WHERE channel_id = ?');
    this.#channelInvites = db.prepare('DELETE FROM invites WHERE channel_id = ?');
    this.#channelReadStates = db.prepare('DELETE FROM read_states WHERE channel_id = ?');
    this.#channelRecipients = db.prepare(
      `DELETE FROM dm_recipients WHERE channel_id = @channel AND user_id IN
        (SELECT CAST(value AS INTEGER) FROM json_each((SELECT recipient_ids FROM channels WHERE id = @channel)))`,
    );
    this.#channel = db.prepare('DELETE FROM channels WHERE id = ?');
    // safeIntegers: the ids go straight back into statements, exactly.
    this.#guildChannels = db.prepare<[bigint], { id: bigint }>('SELECT id FROM channels WHERE guild_id = ?');
    this.#guildChannels.safeIntegers(true);
    this.#guildInvites = db.prepare('DELETE FROM invites WHERE guild_id = ?');
    this.#guildBans = db.prepare('DELETE FROM bans WHERE guild_id = ?');
    this.#guildMembers = db.prepare('DELETE FROM members WHERE guild_id = ?');
    this.#guildRoles = db.prepare('DELETE FROM roles WHERE guild_id = ?');
    this.#guild = db.prepare('DELETE FROM guilds WHERE id = ?');
  }

  /** Deletes a channel with its messages, reactions, edits, pins, invites and read states. */
  deleteChannel(channel: bigint): boolean {
    this.#channelReactions.run(channel);
    this.#channelEdits.run(channel);
    this.#channelMessages.run(channel);
    this.#channelInvites.run(channel);
    this.#channelReadStates.run(channel);
    this.#channelRecipients.run({ channel });
    return this.#channel.run(channel).changes === 1;
  }

  /** Deletes a guild, its channels (as deleteChannel) and its roles, members, bans and invites. */
  deleteGuild(guild: bigint): boolean {
    for (const { id } of this.#guildChannels.all(guild)) this.deleteChannel(id);
    this.#guildInvites.run(guild);
    this.#guildBans.run(guild);
    this.#guildMembers.run(guild);
    this.#guildRoles.run(guild);
    return this.#guild.run(guild).changes === 1;
  }
}
