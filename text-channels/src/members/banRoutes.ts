import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { guildEvent } from '../guilds/communityEvents.js';
import { fieldError } from '../guilds/fieldError.js';
import { identityOf } from '../guilds/identityOf.js';
import { API, emptyBodyAsObject, GuildParams } from '../guilds/schemas.js';
import { Permissions } from '../permissions/Permissions.js';
import { Intents } from '../realtime/intents.js';
import type { BanRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireBan } from '../wire/WireBan.js';
import { wireUserOf } from '../wire/WireUser.js';
import { BanBody, ListBansQuery, MemberParams } from './memberSchemas.js';
import { removeMember } from './removeMember.js';

/** Discord's X-Audit-Log-Reason header is URL-encoded; a malformed one is kept as sent. */
function auditReason(header: string): string {
  let reason = header;
  try {
    reason = decodeURIComponent(header);
  } catch {}
  return reason.slice(0, 512);
}

/** Bans: list, get, ban (which kicks), unban — all BAN_MEMBERS; banning a member needs to outrank them. */
export function registerBanRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  app.get<{ Params: GuildParams; Querystring: ListBansQuery }>(
    `${API}/guilds/:guildId/bans`,
    { schema: { params: GuildParams, querystring: ListBansQuery }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.BAN_MEMBERS);
      const limit = request.query.limit === undefined ? 1000 : Number(request.query.limit);
      if (limit < 1 || limit > 1000)
        throw fieldError('limit', 'NUMBER_TYPE_MAX', 'Must be between 1 and 1000.');
      const bans = await storage.bans.list(guild.guild.id, {
        limit,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
      });
      const users = await loadUsers(
        ctx.accounts,
        bans.map((b) => b.userId),
      );
      return bans.map((b) => toWireBan(b, users));
    },
  );

  app.get<{ Params: MemberParams }>(
    `${API}/guilds/:guildId/bans/:userId`,
    { schema: { params: MemberParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.BAN_MEMBERS);
      const ban = await storage.bans.get(guild.guild.id, request.params.userId);
      if (!ban) throw textErrors.create('TEXT_UNKNOWN_BAN');
      return toWireBan(ban, await loadUsers(ctx.accounts, [ban.userId]));
    },
  );

  app.put<{ Params: MemberParams; Body: BanBody | undefined }>(
    `${API}/guilds/:guildId/bans/:userId`,
    {
      schema: { params: MemberParams, body: BanBody },
      config: { scope: 'guilds.manage' },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.BAN_MEMBERS);
      const userId = request.params.userId;
      const users = await loadUsers(ctx.accounts, [userId]);
      if (!users.has(userId)) throw textErrors.create('TEXT_UNKNOWN_USER');
      // Non-members rank below everyone; the owner can never be banned.
      const target = (await storage.members.get(guild.guild.id, userId)) ?? { userId, roleIds: [] };
      access.requireAboveMember(guild, target);
      const header = request.headers['x-audit-log-reason'];
      const reason = request.body?.reason ?? (typeof header === 'string' ? auditReason(header) : null);
      const existed = await storage.bans.get(guild.guild.id, userId);
      const ban: BanRecord = {
        guildId: guild.guild.id,
        userId,
        reason,
        createdAt: existed?.createdAt ?? ctx.now(),
      };
      await storage.bans.put(ban);
      if (!existed)
        await ctx.events.publish(
          guildEvent('GUILD_BAN_ADD', guild.guild.id, Intents.GUILD_MODERATION, {
            guild_id: guild.guild.id,
            user: wireUserOf(users, userId),
          }),
        );
      await removeMember(ctx, guild.guild.id, userId);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: MemberParams }>(
    `${API}/guilds/:guildId/bans/:userId`,
    { schema: { params: MemberParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.BAN_MEMBERS);
      const userId = request.params.userId;
      if (!(await storage.bans.delete(guild.guild.id, userId))) throw textErrors.create('TEXT_UNKNOWN_BAN');
      const users = await loadUsers(ctx.accounts, [userId]);
      await ctx.events.publish(
        guildEvent('GUILD_BAN_REMOVE', guild.guild.id, Intents.GUILD_MODERATION, {
          guild_id: guild.guild.id,
          user: wireUserOf(users, userId),
        }),
      );
      return reply.code(204).send();
    },
  );
}
