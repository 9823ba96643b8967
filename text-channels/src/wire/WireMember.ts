import type { UserRecord } from '@driftway/common';
import type { MemberRecord } from '../storage/records.js';
import { iso } from './iso.js';
import { type WireUser, wireUserOf } from './WireUser.js';

/** Discord v10 guild member object. */
export interface WireMember {
  user: WireUser;
  nick: string | null;
  avatar: null;
  banner: null;
  /** Role ids, without @everyone (as Discord). */
  roles: string[];
  joined_at: string;
  premium_since: null;
  deaf: boolean;
  mute: boolean;
  flags: number;
  pending: boolean;
  communication_disabled_until: string | null;
}

export function toWireMember(member: MemberRecord, users: ReadonlyMap<string, UserRecord>): WireMember {
  return {
    user: wireUserOf(users, member.userId),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roleIds],
    joined_at: iso(member.joinedAt),
    premium_since: null,
    deaf: member.deaf,
    mute: member.mute,
    flags: 0,
    pending: false,
    communication_disabled_until: iso(member.communicationDisabledUntil),
  };
}
