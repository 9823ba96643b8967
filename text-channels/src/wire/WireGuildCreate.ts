import type { UserRecord } from '@driftway/common';
import type { ChannelRecord, GuildRecord, MemberRecord, RoleRecord } from '../storage/records.js';
import { iso } from './iso.js';
import { toWireChannel, type WireChannel } from './WireChannel.js';
import { toWireGuild, type WireGuild } from './WireGuild.js';
import { toWireMember, type WireMember } from './WireMember.js';

/** The gateway's GUILD_CREATE payload: the guild plus what a client caches on joining it. */
export interface WireGuildCreate extends WireGuild {
  joined_at: string;
  large: boolean;
  unavailable: false;
  member_count: number;
  members: WireMember[];
  channels: WireChannel[];
  threads: never[];
  presences: unknown[];
  voice_states: unknown[];
  stage_instances: never[];
  guild_scheduled_events: never[];
  soundboard_sounds: never[];
}

export interface GuildCreateParts {
  guild: GuildRecord;
  roles: readonly RoleRecord[];
  /** Only the channels the receiving user can view: callers filter (names of hidden channels never leak). */
  channels: readonly ChannelRecord[];
  /** The receiving user's member first, then any others to include. */
  members: readonly MemberRecord[];
  users: ReadonlyMap<string, UserRecord>;
  memberCount: number;
  /** When the receiving user joined. */
  joinedAt: number;
  presences?: unknown[];
  voiceStates?: unknown[];
}

export function toWireGuildCreate(parts: GuildCreateParts): WireGuildCreate {
  return {
    ...toWireGuild(parts.guild, parts.roles),
    joined_at: iso(parts.joinedAt),
    large: parts.memberCount > 250,
    unavailable: false,
    member_count: parts.memberCount,
    members: parts.members.map((m) => toWireMember(m, parts.users)),
    channels: parts.channels.map((c) => toWireChannel(c)),
    threads: [],
    presences: parts.presences ?? [],
    voice_states: parts.voiceStates ?? [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
