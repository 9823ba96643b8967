import { ChannelType, type ChannelTypeValue, type PermissionOverwrite } from '../storage/records.js';
import {
  ALL_PERMISSIONS,
  CONNECT_DEPENDENT,
  Permissions,
  parsePermissions,
  SEND_DEPENDENT,
  TIMEOUT_ALLOWED,
} from './Permissions.js';

/**
 * Discord's documented permission algorithm as pure functions over plain data: REST routes and the
 * real-time dispatch filter compute the same answer from the same records.
 *
 *   base     = owner ? ALL : @everyone | roles…; ADMINISTRATOR ⇒ ALL
 *   channel  = base, then the @everyone overwrite, then every role overwrite (deny all, then allow
 *              all), then the member overwrite
 *   timeout  = a timed-out member (not owner, not ADMINISTRATOR) keeps VIEW_CHANNEL and
 *              READ_MESSAGE_HISTORY only
 *   implicit = no VIEW_CHANNEL ⇒ nothing; no SEND_MESSAGES ⇒ no mention @everyone, TTS, files,
 *              embeds; a voice channel without CONNECT ⇒ no voice abilities
 */

export interface GuildLike {
  id: string;
  ownerId: string;
}

export interface RoleLike {
  id: string;
  permissions: string;
}

export interface MemberLike {
  userId: string;
  /** Never including @everyone (implied). */
  roleIds: readonly string[];
  communicationDisabledUntil: number | null;
}

export interface ChannelLike {
  type: ChannelTypeValue;
  permissionOverwrites: readonly PermissionOverwrite[];
}

export interface PermissionInput {
  guild: GuildLike;
  /** The guild's roles (at least @everyone and the member's); extra roles are ignored. */
  roles: readonly RoleLike[];
  member: MemberLike;
  /** Epoch ms, to decide whether a timeout is still running. */
  now: number;
}

/** True while the member's timeout lasts. */
export function isTimedOut(member: Pick<MemberLike, 'communicationDisabledUntil'>, now: number): boolean {
  return member.communicationDisabledUntil !== null && member.communicationDisabledUntil > now;
}

/** Guild-level permissions before timeouts: owner, @everyone and the member's roles, ADMINISTRATOR. */
export function computeBasePermissions(input: Omit<PermissionInput, 'now'>): bigint {
  const { guild, roles, member } = input;
  if (member.userId === guild.ownerId) return ALL_PERMISSIONS;
  const memberRoles = new Set(member.roleIds);
  let permissions = 0n;
  for (const role of roles) {
    if (role.id === guild.id || memberRoles.has(role.id)) permissions |= parsePermissions(role.permissions);
  }
  if ((permissions & Permissions.ADMINISTRATOR) !== 0n) return ALL_PERMISSIONS;
  return permissions;
}

/** Applies a channel's overwrites, in Discord's order, to base permissions. */
export function applyOverwrites(
  base: bigint,
  overwrites: readonly PermissionOverwrite[],
  guildId: string,
  member: Pick<MemberLike, 'userId' | 'roleIds'>,
): bigint {
  if ((base & Permissions.ADMINISTRATOR) !== 0n) return ALL_PERMISSIONS;
  let permissions = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === guildId);
  if (everyone) {
    permissions &= ~parsePermissions(everyone.deny);
    permissions |= parsePermissions(everyone.allow);
  }
  const memberRoles = new Set(member.roleIds);
  let allow = 0n;
  let deny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type !== 0 || overwrite.id === guildId || !memberRoles.has(overwrite.id)) continue;
    allow |= parsePermissions(overwrite.allow);
    deny |= parsePermissions(overwrite.deny);
  }
  permissions &= ~deny;
  permissions |= allow;
  const own = overwrites.find((o) => o.type === 1 && o.id === member.userId);
  if (own) {
    permissions &= ~parsePermissions(own.deny);
    permissions |= parsePermissions(own.allow);
  }
  return permissions;
}

/** Owners and administrators are exempt from timeouts (as on Discord). */
export function applyTimeout(permissions: bigint, member: MemberLike, now: number): bigint {
  if ((permissions & Permissions.ADMINISTRATOR) !== 0n) return permissions;
  return isTimedOut(member, now) ? permissions & TIMEOUT_ALLOWED : permissions;
}

/** Discord's implicit denials: abilities that make no sense without viewing, sending or connecting. */
export function applyImplicit(permissions: bigint, channelType: ChannelTypeValue): bigint {
  if ((permissions & Permissions.VIEW_CHANNEL) === 0n) return 0n;
  let result = permissions;
  if ((result & Permissions.SEND_MESSAGES) === 0n) result &= ~SEND_DEPENDENT;
  if (channelType === ChannelType.GUILD_VOICE && (result & Permissions.CONNECT) === 0n)
    result &= ~CONNECT_DEPENDENT;
  return result;
}

/** Guild-level permissions as routes check them (timeouts applied). */
export function computeGuildPermissions(input: PermissionInput): bigint {
  const base = computeBasePermissions(input);
  if (input.member.userId === input.guild.ownerId) return base;
  return applyTimeout(base, input.member, input.now);
}

/** A member's permissions in one channel of the guild, fully resolved. */
export function computeChannelPermissions(input: PermissionInput & { channel: ChannelLike }): bigint {
  const base = computeBasePermissions(input);
  if (input.member.userId === input.guild.ownerId) return base;
  const overwritten = applyOverwrites(base, input.channel.permissionOverwrites, input.guild.id, input.member);
  const timed = applyTimeout(overwritten, input.member, input.now);
  return applyImplicit(timed, input.channel.type);
}
