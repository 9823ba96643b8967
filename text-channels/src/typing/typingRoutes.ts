import type { FastifyInstance } from 'fastify';
import { identityOf, requireInChannel, textChannelAccess } from '../messages/channelGuards.js';
import type { MessageService } from '../messages/MessageService.js';
import { guildField } from '../messages/MessageService.js';
import { ChannelParams } from '../messages/messageSchemas.js';
import { channelAudience } from '../messages/messagingIntents.js';
import { Permissions } from '../permissions/Permissions.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireMember } from '../wire/WireMember.js';

/**
 * POST /channels/:id/typing → 204 and TYPING_START. Typing is ephemeral: nothing is stored, the
 * event goes to the channel's audience and that is all.
 */
export function registerTypingRoutes(app: FastifyInstance, ctx: TextContext, messages: MessageService): void {
  app.post<{ Params: ChannelParams }>(
    '/api/v10/channels/:id/typing',
    { schema: { params: ChannelParams }, config: { scope: 'messages.write' } },
    async (request, reply) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      requireInChannel(ctx, access, Permissions.SEND_MESSAGES);
      const member = access.guild
        ? toWireMember(access.guild.member, await loadUsers(ctx.accounts, [identity.userId]))
        : undefined;
      await messages.publish({
        t: 'TYPING_START',
        ...channelAudience(access.channel, 'typing'),
        d: {
          channel_id: access.channel.id,
          ...guildField(access.channel),
          user_id: identity.userId,
          // Discord: Unix time in SECONDS.
          timestamp: Math.floor(ctx.now() / 1000),
          ...(member ? { member } : {}),
        },
      });
      return reply.code(204).send();
    },
  );
}
