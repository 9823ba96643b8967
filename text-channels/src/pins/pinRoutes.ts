import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { textErrors } from '../errors.js';
import { identityOf, loadMessage, requireInChannel, textChannelAccess } from '../messages/channelGuards.js';
import type { MessageService } from '../messages/MessageService.js';
import { guildField } from '../messages/MessageService.js';
import type { MessageWireBuilder } from '../messages/MessageWireBuilder.js';
import { ChannelParams, MessageParams } from '../messages/messageSchemas.js';
import { channelAudience, MessagingIntent } from '../messages/messagingIntents.js';
import type { ChannelAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';

/** Discord's limit of pinned messages per channel. */
export const MAX_PINS = 50;

const write = { scope: 'messages.write' } as const;

/** Pins: list, pin, unpin; each change publishes MESSAGE_UPDATE (pinned) and CHANNEL_PINS_UPDATE. */
export function registerPinRoutes(
  app: FastifyInstance,
  ctx: TextContext,
  messages: MessageService,
  wire: MessageWireBuilder,
): void {
  app.get<{ Params: ChannelParams }>(
    '/api/v10/channels/:id/pins',
    { schema: { params: ChannelParams }, config: { scope: 'messages.read' } },
    async (request) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      // Discord: without READ_MESSAGE_HISTORY no pins are returned.
      if (!hasPermissions(access.permissions, Permissions.READ_MESSAGE_HISTORY)) return [];
      return wire.many(await ctx.storage.messages.listPinned(request.params.id), identity.userId);
    },
  );

  /** Stores the pin state, moves the channel's last_pin_timestamp, then publishes both events. */
  const changed = async (access: ChannelAccess, message: MessageRecord, viewerId: string) => {
    const pinned = await ctx.storage.messages.listPinned(access.channel.id);
    const last = pinned[0]?.pinnedAt ?? null;
    await ctx.storage.channels.update(access.channel.id, { lastPinTimestamp: last });
    const d = await wire.one(message, viewerId);
    await messages.publish({
      t: 'MESSAGE_UPDATE',
      ...channelAudience(access.channel, 'messages'),
      d: { ...d },
      messageContent: { authorId: message.authorId, mentionUserIds: message.mentionUserIds },
    });
    await messages.publish({
      t: 'CHANNEL_PINS_UPDATE',
      ...channelAudience(access.channel, 'messages'),
      // Discord sends this under GUILDS / DIRECT_MESSAGES rather than the message intents.
      intent: access.channel.guildId === null ? MessagingIntent.DIRECT_MESSAGES : MessagingIntent.GUILDS,
      d: {
        channel_id: access.channel.id,
        ...guildField(access.channel),
        last_pin_timestamp: last === null ? null : new Date(last).toISOString(),
      },
    });
  };

  const pin = async (request: FastifyRequest<{ Params: MessageParams }>, reply: FastifyReply) => {
    const identity = identityOf(request);
    const access = await textChannelAccess(ctx, identity, request.params.id);
    requirePinning(ctx, access);
    const message = await loadMessage(ctx, request.params.id, request.params.mid);
    if (message.pinned) return reply.code(204).send();
    if ((await ctx.storage.messages.listPinned(access.channel.id)).length >= MAX_PINS)
      throw textErrors.create('TEXT_MAX_PINS');
    const updated = await ctx.storage.messages.update(message.channelId, message.id, {
      pinned: true,
      pinnedAt: ctx.now(),
    });
    if (!updated) throw textErrors.create('TEXT_UNKNOWN_MESSAGE');
    await changed(access, updated, identity.userId);
    return reply.code(204).send();
  };

  const unpin = async (request: FastifyRequest<{ Params: MessageParams }>, reply: FastifyReply) => {
    const identity = identityOf(request);
    const access = await textChannelAccess(ctx, identity, request.params.id);
    requirePinning(ctx, access);
    const message = await loadMessage(ctx, request.params.id, request.params.mid);
    if (!message.pinned) return reply.code(204).send();
    const updated = await ctx.storage.messages.update(message.channelId, message.id, {
      pinned: false,
      pinnedAt: null,
    });
    if (!updated) throw textErrors.create('TEXT_UNKNOWN_MESSAGE');
    await changed(access, updated, identity.userId);
    return reply.code(204).send();
  };

  // Discord moved pins under /messages/pins in 2025 (current bot libraries call these); the
  // older /pins routes stay for clients that still use them.
  for (const path of ['/api/v10/channels/:id/pins/:mid', '/api/v10/channels/:id/messages/pins/:mid']) {
    app.put<{ Params: MessageParams }>(path, { schema: { params: MessageParams }, config: write }, pin);
    app.delete<{ Params: MessageParams }>(path, { schema: { params: MessageParams }, config: write }, unpin);
  }

  app.get<{ Params: ChannelParams; Querystring: PinListQuery }>(
    '/api/v10/channels/:id/messages/pins',
    { schema: { params: ChannelParams, querystring: PinListQuery }, config: { scope: 'messages.read' } },
    async (request) => {
      const identity = identityOf(request);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      if (!hasPermissions(access.permissions, Permissions.READ_MESSAGE_HISTORY))
        return { items: [], has_more: false };
      const limit = request.query.limit === undefined ? MAX_PINS : Number(request.query.limit);
      const before =
        request.query.before === undefined ? Number.POSITIVE_INFINITY : Date.parse(request.query.before);
      // At most MAX_PINS per channel, so paging in memory over the pinned list is bounded.
      const page = (await ctx.storage.messages.listPinned(request.params.id)).filter(
        (m) => (m.pinnedAt ?? 0) < before,
      );
      const items = page.slice(0, limit);
      const wired = await wire.many(items, identity.userId);
      return {
        items: wired.map((message, i) => ({
          pinned_at: new Date(items[i]?.pinnedAt ?? 0).toISOString(),
          message,
        })),
        has_more: page.length > items.length,
      };
    },
  );
}

/** GET /channels/:id/messages/pins: `before` is an ISO timestamp, `limit` 1-50. */
const PinListQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-4][0-9]|50)$' })),
  },
  { additionalProperties: false },
);
type PinListQuery = Static<typeof PinListQuery>;

/** MANAGE_MESSAGES (or Discord's newer PIN_MESSAGES, which DM participants hold). */
function requirePinning(ctx: TextContext, access: ChannelAccess): void {
  if (hasPermissions(access.permissions, Permissions.PIN_MESSAGES)) return;
  requireInChannel(ctx, access, Permissions.MANAGE_MESSAGES);
}
