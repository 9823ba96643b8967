import { commonErrors } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { guildEvent } from '../guilds/communityEvents.js';
import { fieldError } from '../guilds/fieldError.js';
import { identityOf } from '../guilds/identityOf.js';
import { API, bitsOf, emptyBodyAsObject, GuildParams } from '../guilds/schemas.js';
import type { GuildAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { compareRoles, highestRole } from '../permissions/RoleHierarchy.js';
import { Intents } from '../realtime/intents.js';
import type { RoleRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { toWireRole } from '../wire/WireRole.js';
import { CreateRoleBody, ModifyRoleBody, RoleParams, RolePositionsBody } from './roleSchemas.js';

/** Discord's cap on roles per guild (30005), @everyone included. */
export const MAX_ROLES_PER_GUILD = 250;

type RolePatch = Parameters<TextContext['storage']['roles']['update']>[2];

/** You can only grant (or take away) permissions you hold yourself, unless owner or ADMINISTRATOR. */
function requireGrantable(access: GuildAccess, bits: bigint): void {
  if (access.isOwner || hasPermissions(access.permissions, Permissions.ADMINISTRATOR)) return;
  if (!hasPermissions(access.permissions, bits)) throw commonErrors.create('MISSING_PERMISSIONS');
}

/** Roles: list, create, reorder, modify, delete (MANAGE_ROLES, and only roles below your highest). */
export function registerRoleRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  async function publishRole(
    t: 'GUILD_ROLE_CREATE' | 'GUILD_ROLE_UPDATE',
    role: RoleRecord,
    affects: boolean,
  ) {
    await ctx.events.publish(
      guildEvent(
        t,
        role.guildId,
        Intents.GUILDS,
        { guild_id: role.guildId, role: toWireRole(role) },
        {
          ...(affects ? { affectsPermissions: true } : {}),
        },
      ),
    );
  }

  /** Writes new positions (only those that changed) and announces each. */
  async function applyPositions(guildId: string, ordered: readonly RoleRecord[]): Promise<void> {
    for (const [i, role] of ordered.entries()) {
      const position = i + 1;
      if (role.position === position) continue;
      const updated = await storage.roles.update(guildId, role.id, { position });
      if (updated) await publishRole('GUILD_ROLE_UPDATE', updated, false);
    }
  }

  app.get<{ Params: GuildParams }>(
    `${API}/guilds/:guildId/roles`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      return guild.roles.map(toWireRole);
    },
  );

  app.post<{ Params: GuildParams; Body: CreateRoleBody }>(
    `${API}/guilds/:guildId/roles`,
    {
      schema: { params: GuildParams, body: CreateRoleBody },
      config: { scope: 'guilds.manage' },
      preValidation: emptyBodyAsObject,
    },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_ROLES);
      if (guild.roles.length >= MAX_ROLES_PER_GUILD) throw textErrors.create('TEXT_MAX_ROLES');
      const body = request.body;
      const everyone = guild.roles.find((r) => r.id === guild.guild.id);
      // Discord's default for a new role is @everyone's permissions.
      const permissions =
        body.permissions !== undefined && body.permissions !== null
          ? bitsOf(body.permissions)
          : BigInt(everyone?.permissions ?? '0');
      requireGrantable(guild, permissions);
      const role: RoleRecord = {
        id: ctx.snowflakes.next(),
        guildId: guild.guild.id,
        name: body.name?.trim() || 'new role',
        color: body.color ?? 0,
        hoist: body.hoist ?? false,
        // New roles start just above @everyone, as on Discord; the others move up by one.
        position: 1,
        permissions: permissions.toString(),
        mentionable: body.mentionable ?? false,
        createdAt: ctx.now(),
      };
      await storage.roles.create(role);
      await publishRole('GUILD_ROLE_CREATE', role, true);
      const others = guild.roles.filter((r) => r.id !== guild.guild.id).sort(compareRoles);
      await applyPositions(guild.guild.id, [role, ...others]);
      return toWireRole(role);
    },
  );

  app.patch<{ Params: GuildParams; Body: RolePositionsBody }>(
    `${API}/guilds/:guildId/roles`,
    { schema: { params: GuildParams, body: RolePositionsBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_ROLES);
      const roles = new Map(guild.roles.map((r) => [r.id, r]));
      const mine = highestRole(guild.guild.id, guild.member.roleIds, guild.roles);
      const target = new Map<string, number>();
      for (const [i, entry] of request.body.entries()) {
        const role = roles.get(entry.id);
        if (!role) throw textErrors.create('TEXT_UNKNOWN_ROLE');
        if (entry.position === undefined || entry.position === null || entry.position === role.position)
          continue;
        if (role.id === guild.guild.id)
          throw fieldError(`${i}.position`, 'ROLE_POSITION_INVALID', '@everyone always stays at position 0.');
        if (entry.position < 1) throw fieldError(`${i}.position`, 'NUMBER_TYPE_MIN', 'Must be at least 1.');
        access.requireAboveRole(guild, role);
        if (!guild.isOwner && entry.position >= mine.position) throw textErrors.create('TEXT_ROLE_HIERARCHY');
        target.set(role.id, entry.position);
      }
      if (target.size > 0) {
        // Moved roles take their requested place; on a tie a moved role goes above an unmoved one.
        const ordered = guild.roles
          .filter((r) => r.id !== guild.guild.id)
          .map((r) => ({ role: r, at: target.get(r.id) ?? r.position, moved: target.has(r.id) }))
          .sort((a, b) => a.at - b.at || Number(a.moved) - Number(b.moved) || compareRoles(a.role, b.role))
          .map((x) => x.role);
        await applyPositions(guild.guild.id, ordered);
      }
      return (await storage.roles.listByGuild(guild.guild.id)).map(toWireRole);
    },
  );

  app.patch<{ Params: RoleParams; Body: ModifyRoleBody }>(
    `${API}/guilds/:guildId/roles/:roleId`,
    { schema: { params: RoleParams, body: ModifyRoleBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_ROLES);
      const role = guild.roles.find((r) => r.id === request.params.roleId);
      if (!role) throw textErrors.create('TEXT_UNKNOWN_ROLE');
      access.requireAboveRole(guild, role);
      const body = request.body;
      const isEveryone = role.id === guild.guild.id;
      const patch: RolePatch = {};
      if (body.name !== undefined && body.name !== null) {
        if (isEveryone) throw fieldError('name', 'ROLE_NAME_INVALID', '@everyone cannot be renamed.');
        const name = body.name.trim() || 'new role';
        if (name !== role.name) patch.name = name;
      }
      if (body.permissions !== undefined && body.permissions !== null) {
        const next = bitsOf(body.permissions);
        const previous = BigInt(role.permissions);
        requireGrantable(guild, next ^ previous);
        if (next !== previous) patch.permissions = next.toString();
      }
      if (body.color !== undefined && body.color !== null && body.color !== role.color)
        patch.color = body.color;
      if (body.hoist !== undefined && body.hoist !== null && body.hoist !== role.hoist && !isEveryone)
        patch.hoist = body.hoist;
      if (
        body.mentionable !== undefined &&
        body.mentionable !== null &&
        body.mentionable !== role.mentionable
      )
        patch.mentionable = body.mentionable;
      if (Object.keys(patch).length === 0) return toWireRole(role);
      const updated = await storage.roles.update(guild.guild.id, role.id, patch);
      if (!updated) throw textErrors.create('TEXT_UNKNOWN_ROLE');
      await publishRole('GUILD_ROLE_UPDATE', updated, patch.permissions !== undefined);
      return toWireRole(updated);
    },
  );

  app.delete<{ Params: RoleParams }>(
    `${API}/guilds/:guildId/roles/:roleId`,
    { schema: { params: RoleParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_ROLES);
      const role = guild.roles.find((r) => r.id === request.params.roleId);
      if (!role) throw textErrors.create('TEXT_UNKNOWN_ROLE');
      if (role.id === guild.guild.id) throw textErrors.create('TEXT_INVALID_ROLE');
      access.requireAboveRole(guild, role);
      if (!(await storage.roles.delete(guild.guild.id, role.id)))
        throw textErrors.create('TEXT_UNKNOWN_ROLE');
      await ctx.events.publish(
        guildEvent(
          'GUILD_ROLE_DELETE',
          guild.guild.id,
          Intents.GUILDS,
          { guild_id: guild.guild.id, role_id: role.id },
          { affectsPermissions: true },
        ),
      );
      return reply.code(204).send();
    },
  );
}
