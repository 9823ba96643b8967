import type { Identity } from '@driftway/common';
import type { ChannelRecord, GuildRecord, MemberRecord, RoleRecord } from '../storage/records.js';
import type { RankedMember, RankedRole } from './RoleHierarchy.js';

export interface GuildAccess {
  guild: GuildRecord;
  member: MemberRecord;
  /** All the guild's roles, ordered by position then id (@everyone first). */
  roles: RoleRecord[];
  /** Guild-level permissions (Discord's base permissions, with a running timeout applied). */
  permissions: bigint;
  isOwner: boolean;
}

export interface ChannelAccess {
  channel: ChannelRecord;
  /** Null for DMs. */
  guild: GuildAccess | null;
  /** Permissions in this channel (for DMs: the DM set). */
  permissions: bigint;
}

/**
 * Loads what a route needs to authorise a caller, with Discord's answers: unknown resource → 404
 * (10004/10003), not a member or cannot VIEW_CHANNEL → 403 50001 Missing Access.
 */
export interface AccessResolver {
  guild(identity: Identity, guildId: string): Promise<GuildAccess>;
  channel(identity: Identity, channelId: string): Promise<ChannelAccess>;
  /** Throws 403 50013 unless `permissions` has every bit of `required`. */
  require(permissions: bigint, required: bigint): void;
  /** The caller's permissions in one channel of an already loaded guild (no I/O): e.g. to filter channels. */
  permissionsIn(access: GuildAccess, channel: ChannelRecord): bigint;
  /** Throws 403 TEXT_ROLE_HIERARCHY unless the caller ranks above `role` (the owner always does). */
  requireAboveRole(access: GuildAccess, role: RankedRole): void;
  /** Throws 403 TEXT_ROLE_HIERARCHY unless the caller ranks above `target` (nobody is above the owner). */
  requireAboveMember(access: GuildAccess, target: RankedMember): void;
}
