import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { removeMember } from '../members/removeMember.js';
import { computeGuildPermissions } from '../permissions/PermissionCalculator.js';
import { Permissions } from '../permissions/Permissions.js';
import { Intents } from '../realtime/intents.js';
import { ChannelType, type GuildRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireGuild, toWirePartialGuild } from '../wire/WireGuild.js';
import { toWireMember } from '../wire/WireMember.js';
import { announceJoin } from './announceJoin.js';
import { guildEvent } from './communityEvents.js';
import { createGuild } from './createGuild.js';
import { fieldError } from './fieldError.js';
import { guildCounts } from './guildCounts.js';
import { CreateGuildBody, GetGuildQuery, ModifyGuildBody, MyGuildsQuery } from './guildSchemas.js';
import { identityOf } from './identityOf.js';
import { API, GuildParams, queryBool } from './schemas.js';

/** Discord's cap on guilds per user (30001). */
export const MAX_GUILDS_PER_USER = 100;

/** A guild name after trimming: 2–100 characters, as Discord. */
export function guildName(raw: string): string {
  const name = raw.trim();
  if (name.length < 2)
    throw fieldError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 2 and 100 in length.');
  return name;
}

/** Guilds: create, get, modify, delete, list mine, leave. */
export function registerGuildRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  app.post<{ Body: CreateGuildBody }>(
    `${API}/guilds`,
    { schema: { body: CreateGuildBody }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const me = identityOf(request);
      const name = guildName(request.body.name);
      const mine = await storage.members.listGuildIdsForUser(me.userId);
      if (mine.length >= MAX_GUILDS_PER_USER) throw textErrors.create('TEXT_MAX_GUILDS');
      const created = await createGuild(ctx, me.userId, {
        name,
        icon: request.body.icon ?? null,
        description: request.body.description ?? null,
      });
      await announceJoin(ctx, created.owner, { memberAdd: false });
      reply.code(201);
      return toWireGuild(created.guild, [created.everyone]);
    },
  );

  app.get<{ Params: GuildParams; Querystring: GetGuildQuery }>(
    `${API}/guilds/:guildId`,
    { schema: { params: GuildParams, querystring: GetGuildQuery }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      const wire = toWireGuild(guild.guild, guild.roles);
      if (queryBool(request.query.with_counts)) {
        const counts = await guildCounts(ctx, guild.guild.id);
        wire.approximate_member_count = counts.members;
        wire.approximate_presence_count = counts.presences;
      }
      return wire;
    },
  );

  app.patch<{ Params: GuildParams; Body: ModifyGuildBody }>(
    `${API}/guilds/:guildId`,
    { schema: { params: GuildParams, body: ModifyGuildBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const me = identityOf(request);
      const guild = await access.guild(me, request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_GUILD);
      const body = request.body;
      const patch: Partial<Omit<GuildRecord, 'id' | 'createdAt'>> = {};
      if (body.name !== undefined) patch.name = guildName(body.name);
      if (body.icon !== undefined) patch.icon = body.icon;
      if (body.description !== undefined) patch.description = body.description;
      if (body.system_channel_id !== undefined) {
        if (body.system_channel_id !== null) {
          const channel = await storage.channels.get(body.system_channel_id);
          if (!channel || channel.guildId !== guild.guild.id || channel.type !== ChannelType.GUILD_TEXT)
            throw fieldError(
              'system_channel_id',
              'CHANNEL_TYPE_INVALID',
              'Must be a text channel of this guild.',
            );
        }
        patch.systemChannelId = body.system_channel_id;
      }
      if (body.owner_id !== undefined && body.owner_id !== guild.guild.ownerId) {
        if (!guild.isOwner) throw textErrors.create('TEXT_NOT_OWNER');
        const next = await storage.members.get(guild.guild.id, body.owner_id);
        if (!next) throw textErrors.create('TEXT_UNKNOWN_MEMBER');
        patch.ownerId = body.owner_id;
      }
      if (Object.keys(patch).length === 0) return toWireGuild(guild.guild, guild.roles);
      const updated = await storage.guilds.update(guild.guild.id, patch);
      if (!updated) throw textErrors.create('TEXT_UNKNOWN_GUILD');
      const wire = toWireGuild(updated, guild.roles);
      // A new owner changes who holds every permission.
      await ctx.events.publish(
        guildEvent(
          'GUILD_UPDATE',
          updated.id,
          Intents.GUILDS,
          { ...wire },
          {
            ...(patch.ownerId ? { affectsPermissions: true } : {}),
          },
        ),
      );
      return wire;
    },
  );

  app.delete<{ Params: GuildParams }>(
    `${API}/guilds/:guildId`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      if (!guild.isOwner) throw textErrors.create('TEXT_NOT_OWNER');
      if (!(await storage.guilds.delete(guild.guild.id))) throw textErrors.create('TEXT_UNKNOWN_GUILD');
      await ctx.events.publish(
        guildEvent(
          'GUILD_DELETE',
          guild.guild.id,
          Intents.GUILDS,
          { id: guild.guild.id },
          { affectsPermissions: true },
        ),
      );
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: MyGuildsQuery }>(
    `${API}/users/@me/guilds`,
    { schema: { querystring: MyGuildsQuery }, config: { scope: 'guilds.read' } },
    async (request) => {
      const me = identityOf(request);
      const { before, after } = request.query;
      const limit = request.query.limit === undefined ? 200 : Number(request.query.limit);
      if (limit < 1 || limit > 200)
        throw fieldError('limit', 'NUMBER_TYPE_MAX', 'Must be between 1 and 200.');
      const ids = (await storage.members.listGuildIdsForUser(me.userId))
        .filter(
          (id) =>
            (before === undefined || BigInt(id) < BigInt(before)) &&
            (after === undefined || BigInt(id) > BigInt(after)),
        )
        .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      // Discord pages backwards from `before` (the newest below it), forwards otherwise.
      const page = before !== undefined && after === undefined ? ids.slice(-limit) : ids.slice(0, limit);
      const guilds = new Map((await storage.guilds.getMany(page)).map((g) => [g.id, g]));
      const withCounts = queryBool(request.query.with_counts);
      const now = ctx.now();
      const out = [];
      for (const id of page) {
        const guild = guilds.get(id);
        if (!guild) continue;
        const [member, roles] = await Promise.all([
          storage.members.get(id, me.userId),
          storage.roles.listByGuild(id),
        ]);
        if (!member) continue;
        const wire = toWirePartialGuild(
          guild,
          me.userId,
          computeGuildPermissions({ guild, roles, member, now }),
        );
        if (withCounts) {
          const counts = await guildCounts(ctx, id);
          wire.approximate_member_count = counts.members;
          wire.approximate_presence_count = counts.presences;
        }
        out.push(wire);
      }
      return out;
    },
  );

  app.get<{ Params: GuildParams }>(
    `${API}/users/@me/guilds/:guildId/member`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      return toWireMember(guild.member, await loadUsers(ctx.accounts, [guild.member.userId]));
    },
  );

  app.delete<{ Params: GuildParams }>(
    `${API}/users/@me/guilds/:guildId`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const me = identityOf(request);
      const guild = await storage.guilds.get(request.params.guildId);
      if (!guild || !(await storage.members.get(guild.id, me.userId)))
        throw textErrors.create('TEXT_UNKNOWN_GUILD');
      if (guild.ownerId === me.userId) throw textErrors.create('TEXT_OWNER_CANNOT_LEAVE');
      if (!(await removeMember(ctx, guild.id, me.userId))) throw textErrors.create('TEXT_UNKNOWN_GUILD');
      return reply.code(204).send();
    },
  );
}
