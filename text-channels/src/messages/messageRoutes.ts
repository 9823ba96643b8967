import type { FastifyInstance } from 'fastify';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { TextContext } from '../TextContext.js';
import { identityOf, loadMessage, requireHistory, textChannelAccess } from './channelGuards.js';
import { formError } from './formError.js';
import type { MessageService } from './MessageService.js';
import type { MessageWireBuilder } from './MessageWireBuilder.js';
import {
  BulkDeleteBody,
  ChannelParams,
  CreateMessageBody,
  EditMessageBody,
  ListMessagesQuery,
  MessageParams,
  queryInt,
} from './messageSchemas.js';

const read = { scope: 'messages.read' } as const;
const write = { scope: 'messages.write' } as const;

/** Messages: history, get, create, edit (with history kept), delete, bulk delete. */
export function registerMessageRoutes(
  app: FastifyInstance,
  ctx: TextContext,
  messages: MessageService,
  wire: MessageWireBuilder,
): void {
  app.get<{ Params: ChannelParams; Querystring: ListMessagesQuery }>(
    '/api/v10/channels/:id/messages',
    { schema: { params: ChannelParams, querystring: ListMessagesQuery }, config: read },
    async (request) => {
      const identity = identityOf(request);
      const { before, after, around } = request.query;
      if ([before, after, around].filter((v) => v !== undefined).length > 1)
        throw formError('around', 'BASE_TYPE_INVALID', 'before, after and around are mutually exclusive');
      const limit = queryInt(request.query.limit, 'limit', { min: 1, max: 100, fallback: 50 });
      const access = await textChannelAccess(ctx, identity, request.params.id);
      // Discord: without READ_MESSAGE_HISTORY the history is simply empty.
      if (!hasPermissions(access.permissions, Permissions.READ_MESSAGE_HISTORY)) return [];
      const records = await ctx.storage.messages.list(request.params.id, {
        limit,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(around !== undefined ? { around } : {}),
      });
      return wire.many(records, identity.userId);
    },
  );

  app.get<{ Params: MessageParams }>(
    '/api/v10/channels/:id/messages/:mid',
    { schema: { params: MessageParams }, config: read },
    async (request) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      requireHistory(ctx, access);
      return wire.one(await loadMessage(ctx, request.params.id, request.params.mid), identity.userId);
    },
  );

  // Driftway extension (not in Discord's API): the previous versions of an edited message.
  app.get<{ Params: MessageParams }>(
    '/api/v10/channels/:id/messages/:mid/history',
    { schema: { params: MessageParams }, config: read },
    async (request) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      requireHistory(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      const edits = await ctx.storage.messages.listEdits(message.id);
      // Each version: its content, when it became current (creation or the edit before), when replaced.
      return edits.map((edit, i) => ({
        content: edit.content,
        timestamp: new Date(edits[i - 1]?.editedAt ?? message.createdAt).toISOString(),
        replaced_at: new Date(edit.editedAt).toISOString(),
      }));
    },
  );

  app.post<{ Params: ChannelParams; Body: CreateMessageBody }>(
    '/api/v10/channels/:id/messages',
    { schema: { params: ChannelParams, body: CreateMessageBody }, config: write },
    async (request) => messages.create(identityOf(request), request.params.id, request.body),
  );

  app.patch<{ Params: MessageParams; Body: EditMessageBody }>(
    '/api/v10/channels/:id/messages/:mid',
    { schema: { params: MessageParams, body: EditMessageBody }, config: write },
    async (request) =>
      messages.edit(identityOf(request), request.params.id, request.params.mid, request.body),
  );

  app.delete<{ Params: MessageParams }>(
    '/api/v10/channels/:id/messages/:mid',
    { schema: { params: MessageParams }, config: write },
    async (request, reply) => {
      await messages.delete(identityOf(request), request.params.id, request.params.mid);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: ChannelParams; Body: BulkDeleteBody }>(
    '/api/v10/channels/:id/messages/bulk-delete',
    { schema: { params: ChannelParams, body: BulkDeleteBody }, config: write },
    async (request, reply) => {
      await messages.bulkDelete(identityOf(request), request.params.id, request.body.messages);
      return reply.code(204).send();
    },
  );
}
