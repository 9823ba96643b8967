import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { identityOf, loadMessage, textChannelAccess } from '../messages/channelGuards.js';
import type { MessageService } from '../messages/MessageService.js';
import { MessageParams } from '../messages/messageSchemas.js';
import type { TextContext } from '../TextContext.js';

/** What Discord's client sends when it acks; only `token` means anything (and we issue none). */
const AckBody = Type.Object(
  {
    token: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    manual: Type.Optional(Type.Boolean()),
    mention_count: Type.Optional(Type.Integer({ minimum: 0 })),
    last_viewed: Type.Optional(Type.Integer({ minimum: 0 })),
    flags: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  },
  { additionalProperties: false },
);
type AckBody = Static<typeof AckBody>;

/**
 * POST /channels/:id/messages/:mid/ack (Discord's client route): marks the channel read up to the
 * message (never backwards: the store keeps the newest) and clears its mention count. The user's
 * other sessions learn it through MESSAGE_ACK, sent to that user only.
 */
export function registerReadStateRoutes(
  app: FastifyInstance,
  ctx: TextContext,
  messages: MessageService,
): void {
  app.post<{ Params: MessageParams; Body: AckBody }>(
    '/api/v10/channels/:id/messages/:mid/ack',
    {
      schema: { params: MessageParams, body: AckBody },
      config: { principals: 'user' },
      // Clients may ack with no body at all; that is an empty one.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      const message = await loadMessage(ctx, access.channel.id, request.params.mid);
      const state = await ctx.storage.readStates.ack(identity.userId, access.channel.id, message.id);
      await messages.publish({
        t: 'MESSAGE_ACK',
        guildId: null,
        channelId: access.channel.id,
        userIds: [identity.userId],
        intent: null,
        d: {
          channel_id: access.channel.id,
          message_id: state.lastMessageId,
          mention_count: state.mentionCount,
          version: ctx.now(),
        },
      });
      return { token: null };
    },
  );
}
