import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { channelEvent, guildEvent } from '../guilds/communityEvents.js';
import { newChannel } from '../guilds/createGuild.js';
import { fieldError } from '../guilds/fieldError.js';
import { identityOf } from '../guilds/identityOf.js';
import { API, ChannelParams, GuildParams } from '../guilds/schemas.js';
import type { GuildAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { Intents } from '../realtime/intents.js';
import { type ChannelRecord, ChannelType, type ChannelTypeValue } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireChannel } from '../wire/WireChannel.js';
import { toWireGuild } from '../wire/WireGuild.js';
import { announceChannelUpdates } from './announceChannelUpdates.js';
import { channelName } from './channelName.js';
import { ChannelPositionsBody, CreateChannelBody, ModifyChannelBody } from './channelSchemas.js';
import { checkOverwriteTargets, requireGrantable, sameOverwrites, toOverwrite } from './overwrites.js';

/** Discord's cap on channels per guild (30013). */
export const MAX_CHANNELS_PER_GUILD = 500;

type ChannelPatch = Parameters<TextContext['storage']['channels']['update']>[1];

/** A parent must be a category of the same guild; categories have no parent. */
async function checkParent(
  ctx: TextContext,
  guildId: string,
  type: ChannelTypeValue,
  parentId: string | null,
  field = 'parent_id',
): Promise<void> {
  if (parentId === null) return;
  if (type === ChannelType.GUILD_CATEGORY)
    throw fieldError(field, 'CHANNEL_PARENT_INVALID', 'A category cannot have a parent.');
  const parent = await ctx.storage.channels.get(parentId);
  if (!parent || parent.guildId !== guildId || parent.type !== ChannelType.GUILD_CATEGORY)
    throw fieldError(field, 'CHANNEL_PARENT_INVALID', 'Must be a category of this guild.');
}

/** Guild channels: list, create, reorder; any channel: get, modify, delete. */
export function registerChannelRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  app.get<{ Params: GuildParams }>(
    `${API}/guilds/:guildId/channels`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      const channels = await storage.channels.listByGuild(guild.guild.id);
      // Channels the caller cannot view are left out entirely: their names are content too.
      return channels
        .filter((c) => hasPermissions(access.permissionsIn(guild, c), Permissions.VIEW_CHANNEL))
        .map((c) => toWireChannel(c));
    },
  );

  app.post<{ Params: GuildParams; Body: CreateChannelBody }>(
    `${API}/guilds/:guildId/channels`,
    { schema: { params: GuildParams, body: CreateChannelBody }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_CHANNELS);
      const body = request.body;
      const type = (body.type ?? ChannelType.GUILD_TEXT) as ChannelTypeValue;
      const name = channelName(body.name, type);
      const parentId = body.parent_id ?? null;
      await checkParent(ctx, guild.guild.id, type, parentId);
      const overwrites = (body.permission_overwrites ?? []).map((o) => toOverwrite(o, o.id));
      if (overwrites.length > 0) {
        access.require(guild.permissions, Permissions.MANAGE_ROLES);
        await checkOverwriteTargets(storage, guild, overwrites);
        requireGrantable(guild, guild.permissions, overwrites);
      }
      const existing = await storage.channels.listByGuild(guild.guild.id);
      if (existing.length >= MAX_CHANNELS_PER_GUILD) throw textErrors.create('TEXT_MAX_CHANNELS');
      const siblings = existing.filter(
        (c) =>
          c.parentId === parentId &&
          (c.type === ChannelType.GUILD_CATEGORY) === (type === ChannelType.GUILD_CATEGORY),
      );
      const position = body.position ?? siblings.reduce((max, c) => Math.max(max, c.position + 1), 0);
      const channel: ChannelRecord = {
        ...newChannel(ctx, ctx.snowflakes.next(), guild.guild.id, { type, name, position, parentId }),
        permissionOverwrites: overwrites,
      };
      if (type === ChannelType.GUILD_TEXT) {
        channel.topic = body.topic ?? null;
        channel.rateLimitPerUser = body.rate_limit_per_user ?? 0;
      }
      if (type !== ChannelType.GUILD_CATEGORY) channel.nsfw = body.nsfw ?? false;
      if (type === ChannelType.GUILD_VOICE) {
        channel.bitrate = body.bitrate ?? 64_000;
        channel.userLimit = body.user_limit ?? 0;
        channel.rateLimitPerUser = body.rate_limit_per_user ?? 0;
      }
      await storage.channels.create(channel);
      const wire = toWireChannel(channel);
      await ctx.events.publish(channelEvent('CHANNEL_CREATE', channel, { ...wire }, true));
      reply.code(201);
      return wire;
    },
  );

  app.patch<{ Params: GuildParams; Body: ChannelPositionsBody }>(
    `${API}/guilds/:guildId/channels`,
    { schema: { params: GuildParams, body: ChannelPositionsBody }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_CHANNELS);
      const channels = new Map((await storage.channels.listByGuild(guild.guild.id)).map((c) => [c.id, c]));
      const changes: { channel: ChannelRecord; patch: ChannelPatch }[] = [];
      for (const [i, entry] of request.body.entries()) {
        const channel = channels.get(entry.id);
        if (!channel) throw textErrors.create('TEXT_UNKNOWN_CHANNEL');
        const patch: ChannelPatch = {};
        if (entry.position !== undefined && entry.position !== null && entry.position !== channel.position)
          patch.position = entry.position;
        if (entry.parent_id !== undefined && entry.parent_id !== channel.parentId) {
          await checkParent(ctx, guild.guild.id, channel.type, entry.parent_id, `${i}.parent_id`);
          patch.parentId = entry.parent_id;
        }
        if (entry.lock_permissions === true) {
          const parentId = patch.parentId !== undefined ? patch.parentId : channel.parentId;
          const parent = parentId ? channels.get(parentId) : undefined;
          if (parent && !sameOverwrites(parent.permissionOverwrites, channel.permissionOverwrites))
            patch.permissionOverwrites = parent.permissionOverwrites.map((o) => ({ ...o }));
        }
        if (Object.keys(patch).length > 0) changes.push({ channel, patch });
      }
      await announceChannelUpdates(ctx, changes);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: ChannelParams }>(
    `${API}/channels/:channelId`,
    { schema: { params: ChannelParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const me = identityOf(request);
      const { channel } = await access.channel(me, request.params.channelId);
      if (channel.guildId !== null) return toWireChannel(channel);
      return toWireChannel(channel, {
        viewerId: me.userId,
        users: await loadUsers(ctx.accounts, channel.recipientIds),
      });
    },
  );

  app.patch<{ Params: ChannelParams; Body: ModifyChannelBody }>(
    `${API}/channels/:channelId`,
    { schema: { params: ChannelParams, body: ModifyChannelBody }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const found = await access.channel(identityOf(request), request.params.channelId);
      const guild = found.guild;
      if (!guild) throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
      const channel = found.channel;
      access.require(found.permissions, Permissions.MANAGE_CHANNELS);
      const patch = await modifyPatch(ctx, guild, found.permissions, channel, request.body);
      if (Object.keys(patch).length === 0) return toWireChannel(channel);
      const updated = await announceChannelUpdates(ctx, [{ channel, patch }]);
      return toWireChannel(updated[0] ?? channel);
    },
  );

  app.delete<{ Params: ChannelParams }>(
    `${API}/channels/:channelId`,
    { schema: { params: ChannelParams }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const me = identityOf(request);
      const found = await access.channel(me, request.params.channelId);
      const channel = found.channel;
      // Closing a DM is a client-side affair on Discord: the channel and its history stay.
      if (!found.guild)
        return toWireChannel(channel, {
          viewerId: me.userId,
          users: await loadUsers(ctx.accounts, channel.recipientIds),
        });
      access.require(found.permissions, Permissions.MANAGE_CHANNELS);
      const children =
        channel.type === ChannelType.GUILD_CATEGORY
          ? (await storage.channels.listByGuild(found.guild.guild.id)).filter(
              (c) => c.parentId === channel.id,
            )
          : [];
      if (!(await storage.channels.delete(channel.id))) throw textErrors.create('TEXT_UNKNOWN_CHANNEL');
      const wire = toWireChannel(channel);
      await ctx.events.publish(channelEvent('CHANNEL_DELETE', channel, { ...wire }, true));
      // Deleting a category leaves its channels at the top level, as on Discord.
      await announceChannelUpdates(
        ctx,
        children.map((c) => ({ channel: c, patch: { parentId: null } })),
      );
      const g = found.guild.guild;
      if (g.systemChannelId === channel.id) {
        const updated = await storage.guilds.update(g.id, { systemChannelId: null });
        if (updated)
          await ctx.events.publish(
            guildEvent('GUILD_UPDATE', g.id, Intents.GUILDS, {
              ...toWireGuild(updated, await storage.roles.listByGuild(g.id)),
            }),
          );
      }
      return wire;
    },
  );
}

/** The storage patch for PATCH /channels/:id, with Discord's checks; fields of other types are ignored. */
async function modifyPatch(
  ctx: TextContext,
  guild: GuildAccess,
  held: bigint,
  channel: ChannelRecord,
  body: ModifyChannelBody,
): Promise<ChannelPatch> {
  const patch: ChannelPatch = {};
  const text = channel.type === ChannelType.GUILD_TEXT;
  const voice = channel.type === ChannelType.GUILD_VOICE;
  if (body.name !== undefined) {
    const name = channelName(body.name, channel.type);
    if (name !== channel.name) patch.name = name;
  }
  if (body.topic !== undefined && text && body.topic !== channel.topic) patch.topic = body.topic;
  if (body.position !== undefined && body.position !== null && body.position !== channel.position)
    patch.position = body.position;
  if (body.parent_id !== undefined && body.parent_id !== channel.parentId) {
    await checkParent(ctx, guild.guild.id, channel.type, body.parent_id);
    patch.parentId = body.parent_id;
  }
  if (body.nsfw !== undefined && body.nsfw !== null && channel.type !== ChannelType.GUILD_CATEGORY)
    if (body.nsfw !== channel.nsfw) patch.nsfw = body.nsfw;
  if (body.rate_limit_per_user !== undefined && (text || voice)) {
    const value = body.rate_limit_per_user ?? 0;
    if (value !== channel.rateLimitPerUser) patch.rateLimitPerUser = value;
  }
  if (voice && body.bitrate !== undefined) {
    const value = body.bitrate ?? 64_000;
    if (value !== channel.bitrate) patch.bitrate = value;
  }
  if (voice && body.user_limit !== undefined) {
    const value = body.user_limit ?? 0;
    if (value !== channel.userLimit) patch.userLimit = value;
  }
  if (body.permission_overwrites !== undefined) {
    ctx.access.require(held, Permissions.MANAGE_ROLES);
    const overwrites = (body.permission_overwrites ?? []).map((o) => toOverwrite(o, o.id));
    await checkOverwriteTargets(ctx.storage, guild, overwrites);
    // Both the overwrites removed and the ones added must be within the caller's own powers.
    requireGrantable(guild, held, [
      ...overwrites,
      ...channel.permissionOverwrites.filter((o) => !overwrites.some((n) => n.id === o.id)),
    ]);
    if (!sameOverwrites(overwrites, channel.permissionOverwrites)) patch.permissionOverwrites = overwrites;
  }
  return patch;
}
