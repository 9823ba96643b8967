import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { identityOf } from '../guilds/identityOf.js';
import { API } from '../guilds/schemas.js';
import { Permissions } from '../permissions/Permissions.js';
import type { TextContext } from '../TextContext.js';
import { announceChannelUpdates } from './announceChannelUpdates.js';
import { OverwriteParams, PutOverwriteBody } from './channelSchemas.js';
import { requireGrantable, sameOverwrites, toOverwrite } from './overwrites.js';

/** PUT/DELETE /channels/:id/permissions/:overwriteId — one role or member overwrite (MANAGE_ROLES). */
export function registerOverwriteRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  app.put<{ Params: OverwriteParams; Body: PutOverwriteBody }>(
    `${API}/channels/:channelId/permissions/:overwriteId`,
    { schema: { params: OverwriteParams, body: PutOverwriteBody }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const found = await access.channel(identityOf(request), request.params.channelId);
      const guild = found.guild;
      if (!guild) throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
      access.require(found.permissions, Permissions.MANAGE_ROLES);
      const { overwriteId } = request.params;
      if (request.body.type === 0 && !guild.roles.some((r) => r.id === overwriteId))
        throw textErrors.create('TEXT_UNKNOWN_ROLE');
      if (request.body.type === 1 && !(await storage.members.get(guild.guild.id, overwriteId)))
        throw textErrors.create('TEXT_UNKNOWN_MEMBER');
      const overwrite = toOverwrite(request.body, overwriteId);
      const previous = found.channel.permissionOverwrites.find((o) => o.id === overwriteId);
      requireGrantable(guild, found.permissions, previous ? [overwrite, previous] : [overwrite]);
      const next = [...found.channel.permissionOverwrites.filter((o) => o.id !== overwriteId), overwrite];
      if (!sameOverwrites(next, found.channel.permissionOverwrites))
        await announceChannelUpdates(ctx, [
          { channel: found.channel, patch: { permissionOverwrites: next } },
        ]);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: OverwriteParams }>(
    `${API}/channels/:channelId/permissions/:overwriteId`,
    { schema: { params: OverwriteParams }, config: { scope: 'guilds.manage' } },
    async (request, reply) => {
      const found = await access.channel(identityOf(request), request.params.channelId);
      const guild = found.guild;
      if (!guild) throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
      access.require(found.permissions, Permissions.MANAGE_ROLES);
      const previous = found.channel.permissionOverwrites.find((o) => o.id === request.params.overwriteId);
      // Deleting an overwrite that does not exist changes nothing (idempotent, no event).
      if (previous) {
        requireGrantable(guild, found.permissions, [previous]);
        const next = found.channel.permissionOverwrites.filter((o) => o.id !== previous.id);
        await announceChannelUpdates(ctx, [
          { channel: found.channel, patch: { permissionOverwrites: next } },
        ]);
      }
      return reply.code(204).send();
    },
  );
}
