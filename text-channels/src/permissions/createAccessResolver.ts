import { commonErrors, type Identity } from '@driftway/common';
import { textErrors } from '../errors.js';
import { type ChannelRecord, ChannelType } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import type { AccessResolver, ChannelAccess, GuildAccess } from './AccessResolver.js';
import { computeChannelPermissions, computeGuildPermissions } from './PermissionCalculator.js';
import { DM_PERMISSIONS, hasPermissions, Permissions } from './Permissions.js';
import { outranksMember, outranksRole } from './RoleHierarchy.js';

/**
 * The storage-backed AccessResolver. Every call reads current records (no cache): a role or
 * overwrite change takes effect on the very next request. A caller who is not in the guild, or
 * cannot view the channel, learns nothing but "Missing Access" — not even whether it is a voice
 * channel or what it is called.
 */
export function createAccessResolver(ctx: Pick<TextContext, 'storage' | 'now'>): AccessResolver {
  const { storage } = ctx;

  async function guild(identity: Identity, guildId: string): Promise<GuildAccess> {
    const [record, member] = await Promise.all([
      storage.guilds.get(guildId),
      storage.members.get(guildId, identity.userId),
    ]);
    if (!record) throw textErrors.create('TEXT_UNKNOWN_GUILD');
    if (!member) throw commonErrors.create('MISSING_ACCESS');
    const roles = await storage.roles.listByGuild(guildId);
    const permissions = computeGuildPermissions({ guild: record, roles, member, now: ctx.now() });
    return { guild: record, member, roles, permissions, isOwner: record.ownerId === identity.userId };
  }

  function permissionsIn(access: GuildAccess, channel: ChannelRecord): bigint {
    return computeChannelPermissions({
      guild: access.guild,
      roles: access.roles,
      member: access.member,
      channel,
      now: ctx.now(),
    });
  }

  async function channel(identity: Identity, channelId: string): Promise<ChannelAccess> {
    const record = await storage.channels.get(channelId);
    if (!record) throw textErrors.create('TEXT_UNKNOWN_CHANNEL');
    if (record.guildId === null || record.type === ChannelType.DM) {
      if (!record.recipientIds.includes(identity.userId)) throw commonErrors.create('MISSING_ACCESS');
      return { channel: record, guild: null, permissions: DM_PERMISSIONS };
    }
    let access: GuildAccess;
    try {
      access = await guild(identity, record.guildId);
    } catch (err) {
      // A channel whose guild is gone (deleted concurrently) is itself unknown.
      if ((err as { key?: string }).key === 'TEXT_UNKNOWN_GUILD')
        throw textErrors.create('TEXT_UNKNOWN_CHANNEL');
      throw err;
    }
    const permissions = permissionsIn(access, record);
    if (!hasPermissions(permissions, Permissions.VIEW_CHANNEL)) throw commonErrors.create('MISSING_ACCESS');
    return { channel: record, guild: access, permissions };
  }

  return {
    guild,
    channel,
    permissionsIn,
    require(permissions, required) {
      if (!hasPermissions(permissions, required)) throw commonErrors.create('MISSING_PERMISSIONS');
    },
    requireAboveRole(access, role) {
      if (!outranksRole(access, access.member, role)) throw textErrors.create('TEXT_ROLE_HIERARCHY');
    },
    requireAboveMember(access, target) {
      if (!outranksMember(access, access.member, target)) throw textErrors.create('TEXT_ROLE_HIERARCHY');
    },
  };
}
