import { computeChannelPermissions } from '../permissions/PermissionCalculator.js';
import { type GuildState, loadGuildState } from '../realtime/GuildState.js';
import type { TextStorage } from '../storage/ports.js';
import type { ChannelRecord, MemberRecord } from '../storage/records.js';

/** A member of a guild with what deciding their voice permissions needs. */
export interface MemberInGuild {
  state: GuildState;
  member: MemberRecord;
}

/** Null when the guild is gone or the user is not a member. */
export async function loadMemberInGuild(
  storage: TextStorage,
  guildId: string,
  userId: string,
): Promise<MemberInGuild | null> {
  const [state, member] = await Promise.all([
    loadGuildState(storage, guildId),
    storage.members.get(guildId, userId),
  ]);
  return state && member ? { state, member } : null;
}

/** The member's permissions in a channel of the guild (Discord's algorithm: timeouts, implicit denials). */
export function voicePermissions(m: MemberInGuild, channel: ChannelRecord, now: number): bigint {
  return computeChannelPermissions({
    guild: m.state.guild,
    roles: m.state.roles,
    member: m.member,
    channel,
    now,
  });
}
