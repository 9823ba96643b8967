import type { MongoCollections } from './MongoCollections.js';

/**
 * Cascading deletes across collections. A standalone server has no multi-document transactions,
 * so the order is what keeps a crash harmless: dependents first, the owner last. A delete that
 * dies half-way leaves the guild or channel in place, still visible, and deleting it again
 * finishes the job; nothing is ever left pointing at an owner that is gone.
 */
export class MongoCascade {
  readonly #c: MongoCollections;

  constructor(collections: MongoCollections) {
    this.#c = collections;
  }

  /** Deletes a channel with its messages, reactions, edits, pins, invites and read states. */
  async deleteChannel(channelId: string): Promise<boolean> {
    await this.#deleteChannelContents([channelId]);
    const result = await this.#c.channels.deleteOne({ _id: channelId });
    return result.deletedCount === 1;
  }

  /** Deletes a guild, its channels (as deleteChannel) and its roles, members, bans and invites. */
  async deleteGuild(guildId: string): Promise<boolean> {
    const channels = await this.#c.channels.find({ guildId }, { projection: { _id: 1 } }).toArray();
    const channelIds = channels.map((c) => c._id);
    await this.#deleteChannelContents(channelIds);
    await Promise.all([
      this.#c.invites.deleteMany({ guildId }),
      this.#c.bans.deleteMany({ guildId }),
      this.#c.members.deleteMany({ guildId }),
      this.#c.roles.deleteMany({ guildId }),
    ]);
    await this.#c.channels.deleteMany({ guildId });
    const result = await this.#c.guilds.deleteOne({ _id: guildId });
    return result.deletedCount === 1;
  }

  async #deleteChannelContents(channelIds: string[]): Promise<void> {
    if (channelIds.length === 0) return;
    const inChannels = { channelId: { $in: channelIds } };
    // Reactions and edits before their messages: a message is the last thing to go.
    await Promise.all([
      this.#c.reactions.deleteMany(inChannels),
      this.#c.messageEdits.deleteMany(inChannels),
      this.#c.invites.deleteMany(inChannels),
      this.#c.readStates.deleteMany(inChannels),
    ]);
    await this.#c.messages.deleteMany(inChannels);
  }
}
