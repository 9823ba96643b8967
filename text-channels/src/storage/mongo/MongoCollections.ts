import type { Collection, Db } from 'mongodb';
import {
  type BanDoc,
  type ChannelDoc,
  COLLECTIONS,
  type GuildDoc,
  type InviteDoc,
  type MemberDoc,
  type MessageDoc,
  type MessageEditDoc,
  type ReactionDoc,
  type ReadStateDoc,
  type RoleDoc,
} from './documents.js';

/** The typed collections of the text domain, opened once and shared by the stores. */
export interface MongoCollections {
  guilds: Collection<GuildDoc>;
  roles: Collection<RoleDoc>;
  channels: Collection<ChannelDoc>;
  members: Collection<MemberDoc>;
  bans: Collection<BanDoc>;
  invites: Collection<InviteDoc>;
  messages: Collection<MessageDoc>;
  messageEdits: Collection<MessageEditDoc>;
  reactions: Collection<ReactionDoc>;
  readStates: Collection<ReadStateDoc>;
}

export function textCollections(db: Db): MongoCollections {
  return {
    guilds: db.collection<GuildDoc>(COLLECTIONS.guilds),
    roles: db.collection<RoleDoc>(COLLECTIONS.roles),
    channels: db.collection<ChannelDoc>(COLLECTIONS.channels),
    members: db.collection<MemberDoc>(COLLECTIONS.members),
    bans: db.collection<BanDoc>(COLLECTIONS.bans),
    invites: db.collection<InviteDoc>(COLLECTIONS.invites),
    messages: db.collection<MessageDoc>(COLLECTIONS.messages),
    messageEdits: db.collection<MessageEditDoc>(COLLECTIONS.messageEdits),
    reactions: db.collection<ReactionDoc>(COLLECTIONS.reactions),
    readStates: db.collection<ReadStateDoc>(COLLECTIONS.readStates),
  };
}
