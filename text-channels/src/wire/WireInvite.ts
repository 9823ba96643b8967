import type { UserRecord } from '@driftway/common';
import type { ChannelRecord, GuildRecord, InviteRecord } from '../storage/records.js';
import { iso } from './iso.js';
import { type WireUser, wireUserOf } from './WireUser.js';

/** Discord v10 invite object with its metadata (uses, max_uses, max_age, temporary, created_at). */
export interface WireInvite {
  type: 0;
  code: string;
  guild: {
    id: string;
    name: string;
    icon: string | null;
    splash: null;
    banner: null;
    description: string | null;
    features: string[];
    verification_level: number;
    vanity_url_code: null;
    nsfw_level: number;
    premium_subscription_count: number;
  };
  channel: { id: string; name: string | null; type: number };
  inviter: WireUser;
  expires_at: string | null;
  uses?: number;
  max_uses?: number;
  max_age?: number;
  temporary?: boolean;
  created_at?: string;
  approximate_member_count?: number;
  approximate_presence_count?: number;
}

export interface InviteViewOptions {
  /** Include uses/max_uses/max_age/temporary/created_at (Discord's invite metadata). */
  metadata: boolean;
  /** Preview counts (`with_counts`). */
  counts?: { members: number; presences: number };
}

export function toWireInvite(
  invite: InviteRecord,
  guild: GuildRecord,
  channel: ChannelRecord,
  users: ReadonlyMap<string, UserRecord>,
  options: InviteViewOptions,
): WireInvite {
  const wire: WireInvite = {
    type: 0,
    code: invite.code,
    guild: {
      id: guild.id,
      name: guild.name,
      icon: guild.icon,
      splash: null,
      banner: null,
      description: guild.description,
      features: [],
      verification_level: 0,
      vanity_url_code: null,
      nsfw_level: 0,
      premium_subscription_count: 0,
    },
    channel: { id: channel.id, name: channel.name, type: channel.type },
    inviter: wireUserOf(users, invite.inviterId),
    expires_at: iso(invite.expiresAt),
  };
  if (options.metadata) {
    wire.uses = invite.uses;
    wire.max_uses = invite.maxUses;
    wire.max_age = invite.maxAge;
    wire.temporary = invite.temporary;
    wire.created_at = iso(invite.createdAt);
  }
  if (options.counts) {
    wire.approximate_member_count = options.counts.members;
    wire.approximate_presence_count = options.counts.presences;
  }
  return wire;
}
