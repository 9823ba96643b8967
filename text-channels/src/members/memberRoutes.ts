import type { FastifyInstance, FastifyRequest } from 'fastify';
import { textErrors } from '../errors.js';
import { fieldError } from '../guilds/fieldError.js';
import { identityOf } from '../guilds/identityOf.js';
import { API, GuildParams } from '../guilds/schemas.js';
import type { GuildAccess } from '../permissions/AccessResolver.js';
import { computeBasePermissions } from '../permissions/PermissionCalculator.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { MemberRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireMember } from '../wire/WireMember.js';
import { announceMemberUpdate, type MemberPatch } from './announceMemberUpdate.js';
import {
  ListMembersQuery,
  MemberParams,
  MemberRoleParams,
  ModifyMeBody,
  ModifyMemberBody,
} from './memberSchemas.js';
import { removeMember } from './removeMember.js';

/** Discord's longest timeout: 28 days. */
export const MAX_TIMEOUT_MS = 28 * 24 * 60 * 60 * 1000;

/** Members: list, get, modify (nick, roles, timeout), own nick, add/remove one role, kick. */
export function registerMemberRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  async function loadMember(guildId: string, userId: string): Promise<MemberRecord> {
    const member = await storage.members.get(guildId, userId);
    if (!member) throw textErrors.create('TEXT_UNKNOWN_MEMBER');
    return member;
  }

  async function wire(member: MemberRecord) {
    return toWireMember(member, await loadUsers(ctx.accounts, [member.userId]));
  }

  /** Nickname rules: your own with CHANGE_NICKNAME (or MANAGE_NICKNAMES); others' with MANAGE_NICKNAMES, below you. */
  function nickPatch(guild: GuildAccess, target: MemberRecord, nick: string | null): string | null {
    const value = nick === null || nick.trim() === '' ? null : nick.trim();
    if (target.userId === guild.member.userId) {
      if (!hasPermissions(guild.permissions, Permissions.MANAGE_NICKNAMES))
        access.require(guild.permissions, Permissions.CHANGE_NICKNAME);
    } else {
      access.require(guild.permissions, Permissions.MANAGE_NICKNAMES);
      access.requireAboveMember(guild, target);
    }
    return value;
  }

  /** Role changes: MANAGE_ROLES, and every role added or removed must be below your highest. */
  function rolesPatch(guild: GuildAccess, target: MemberRecord, roleIds: string[]): string[] {
    access.require(guild.permissions, Permissions.MANAGE_ROLES);
    const roles = new Map(guild.roles.map((r) => [r.id, r]));
    const next = roleIds.filter((id) => id !== guild.guild.id);
    const changed = [
      ...next.filter((id) => !target.roleIds.includes(id)),
      ...target.roleIds.filter((id) => !next.includes(id)),
    ];
    for (const id of changed) {
      const role = roles.get(id);
      if (!role) {
        // A stale id on the member (role deleted meanwhile) may be dropped freely.
        if (next.includes(id)) throw textErrors.create('TEXT_UNKNOWN_ROLE');
        continue;
      }
      access.requireAboveRole(guild, role);
    }
    return next;
  }

  /** Timeouts: MODERATE_MEMBERS, below you, never the owner or an ADMINISTRATOR, at most 28 days ahead. */
  function timeoutPatch(guild: GuildAccess, target: MemberRecord, until: string | null): number | null {
    access.require(guild.permissions, Permissions.MODERATE_MEMBERS);
    access.requireAboveMember(guild, target);
    if (until === null) return null;
    const at = Date.parse(until);
    const now = ctx.now();
    if (!Number.isFinite(at))
      throw fieldError(
        'communication_disabled_until',
        'DATE_TIME_INVALID',
        'Not a valid ISO 8601 timestamp.',
      );
    if (at > now + MAX_TIMEOUT_MS)
      throw fieldError(
        'communication_disabled_until',
        'TIMEOUT_TOO_LONG',
        'A timeout lasts at most 28 days.',
      );
    const targetBase = computeBasePermissions({ guild: guild.guild, roles: guild.roles, member: target });
    if (hasPermissions(targetBase, Permissions.ADMINISTRATOR))
      throw textErrors.create('TEXT_CANNOT_TIME_OUT');
    // A time in the past lifts the timeout.
    return at > now ? at : null;
  }

  app.get<{ Params: GuildParams; Querystring: ListMembersQuery }>(
    `${API}/guilds/:guildId/members`,
    { schema: { params: GuildParams, querystring: ListMembersQuery }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      const limit = request.query.limit === undefined ? 1 : Number(request.query.limit);
      if (limit < 1 || limit > 1000)
        throw fieldError('limit', 'NUMBER_TYPE_MAX', 'Must be between 1 and 1000.');
      const members = await storage.members.list(guild.guild.id, {
        limit,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
      });
      const users = await loadUsers(
        ctx.accounts,
        members.map((m) => m.userId),
      );
      return members.map((m) => toWireMember(m, users));
    },
  );

  app.get<{ Params: MemberParams }>(
    `${API}/guilds/:guildId/members/:userId`,
    { schema: { params: MemberParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      return wire(await loadMember(guild.guild.id, request.params.userId));
    },
  );

  app.patch<{ Params: GuildParams; Body: ModifyMeBody }>(
    `${API}/guilds/:guildId/members/@me`,
    { schema: { params: GuildParams, body: ModifyMeBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      const me = guild.member;
      if (request.body.nick === undefined) return wire(me);
      const nick = nickPatch(guild, me, request.body.nick);
      if (nick === me.nick) return wire(me);
      const updated = await announceMemberUpdate(ctx, me, { nick });
      if (!updated) throw textErrors.create('TEXT_UNKNOWN_MEMBER');
      return wire(updated);
    },
  );

  app.patch<{ Params: MemberParams; Body: ModifyMemberBody }>(
    `${API}/guilds/:guildId/members/:userId`,
    { schema: { params: MemberParams, body: ModifyMemberBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      const target = await loadMember(guild.guild.id, request.params.userId);
      const body = request.body;
      // Checked first, applied last: a refused voice change leaves the member untouched.
      const voice = await ctx.voice.moderator.check(guild, target, {
        ...(body.mute != null ? { mute: body.mute } : {}),
        ...(body.deaf != null ? { deaf: body.deaf } : {}),
        ...(body.channel_id !== undefined ? { channelId: body.channel_id } : {}),
      });
      const patch: MemberPatch = {};
      if (body.nick !== undefined) {
        const nick = nickPatch(guild, target, body.nick);
        if (nick !== target.nick) patch.nick = nick;
      }
      if (body.roles !== undefined) {
        const roleIds = rolesPatch(guild, target, body.roles ?? []);
        const same =
          roleIds.length === target.roleIds.length && roleIds.every((id) => target.roleIds.includes(id));
        if (!same) patch.roleIds = roleIds;
      }
      if (body.communication_disabled_until !== undefined) {
        const until = timeoutPatch(guild, target, body.communication_disabled_until);
        if (until !== target.communicationDisabledUntil) patch.communicationDisabledUntil = until;
      }
      // With voice fields, the voice plan writes the whole patch (mute/deaf included) in one
      // member update, then the live voice state.
      if (voice) return wire(await voice.apply(patch));
      let updated = target;
      if (Object.keys(patch).length > 0) {
        const written = await announceMemberUpdate(ctx, target, patch);
        if (!written) throw textErrors.create('TEXT_UNKNOWN_MEMBER');
        updated = written;
      }
      return wire(updated);
    },
  );

  /**
   * PUT/DELETE of one role: MANAGE_ROLES and a role below your highest. The checks run even when
   * nothing would change, so a refusal never depends on the member's current roles.
   */
  async function roleChange(request: FastifyRequest<{ Params: MemberRoleParams }>) {
    const guild = await access.guild(identityOf(request), request.params.guildId);
    access.require(guild.permissions, Permissions.MANAGE_ROLES);
    const role = guild.roles.find((r) => r.id === request.params.roleId);
    if (!role) throw textErrors.create('TEXT_UNKNOWN_ROLE');
    if (role.id === guild.guild.id) throw textErrors.create('TEXT_INVALID_ROLE');
    access.requireAboveRole(guild, role);
    const target = await loadMember(guild.guild.id, request.params.userId);
    return { target, roleId: role.id };
  }

  app.put<{ Params: MemberRoleParams }>(
    `${API}/guilds/:guildId/members/:userId/roles/:roleId`,
    { schema: { params: MemberRoleParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const { target, roleId } = await roleChange(request);
      if (!target.roleIds.includes(roleId))
        await announceMemberUpdate(ctx, target, { roleIds: [...target.roleIds, roleId] });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: MemberRoleParams }>(
    `${API}/guilds/:guildId/members/:userId/roles/:roleId`,
    { schema: { params: MemberRoleParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const { target, roleId } = await roleChange(request);
      if (target.roleIds.includes(roleId))
        await announceMemberUpdate(ctx, target, { roleIds: target.roleIds.filter((id) => id !== roleId) });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: MemberParams }>(
    `${API}/guilds/:guildId/members/:userId`,
    { schema: { params: MemberParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.KICK_MEMBERS);
      const target = await loadMember(guild.guild.id, request.params.userId);
      access.requireAboveMember(guild, target);
      if (!(await removeMember(ctx, guild.guild.id, target.userId)))
        throw textErrors.create('TEXT_UNKNOWN_MEMBER');
      return reply.code(204).send();
    },
  );
}
