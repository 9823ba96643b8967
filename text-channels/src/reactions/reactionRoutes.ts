import { commonErrors, type Identity } from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import {
  canManageMessages,
  identityOf,
  loadMessage,
  requireHistory,
  requireInChannel,
  textChannelAccess,
} from '../messages/channelGuards.js';
import type { MessageService } from '../messages/MessageService.js';
import { guildField } from '../messages/MessageService.js';
import { queryInt, Snowflake } from '../messages/messageSchemas.js';
import { channelAudience } from '../messages/messagingIntents.js';
import type { ChannelAccess } from '../permissions/AccessResolver.js';
import { isTimedOut } from '../permissions/PermissionCalculator.js';
import { Permissions } from '../permissions/Permissions.js';
import type { MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireMember } from '../wire/WireMember.js';
import { toWireUser } from '../wire/WireUser.js';
import { parseReactionEmoji, wireEmoji } from './emoji.js';

/** Discord's limit of distinct reactions on one message. */
export const MAX_DISTINCT_REACTIONS = 20;

// The emoji arrives URL-decoded; its length bound here is generous, parseReactionEmoji is the real check.
const Emoji = Type.String({ minLength: 1, maxLength: 64 });
const ReactionParams = Type.Object(
  { id: Snowflake, mid: Snowflake, emoji: Emoji },
  { additionalProperties: false },
);
type ReactionParams = Static<typeof ReactionParams>;
const UserReactionParams = Type.Object(
  { id: Snowflake, mid: Snowflake, emoji: Emoji, userId: Snowflake },
  { additionalProperties: false },
);
type UserReactionParams = Static<typeof UserReactionParams>;
const MessageParams = Type.Object({ id: Snowflake, mid: Snowflake }, { additionalProperties: false });
type MessageParams = Static<typeof MessageParams>;
const ListQuery = Type.Object(
  {
    after: Type.Optional(Snowflake),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    /** 0 = normal, 1 = burst (super reactions: none exist here). */
    type: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const write = { scope: 'reactions.write' } as const;
const BASE = '/api/v10/channels/:id/messages/:mid/reactions';

/** Reactions with unicode emoji: add/remove own, moderate others', list who reacted. */
export function registerReactionRoutes(
  app: FastifyInstance,
  ctx: TextContext,
  messages: MessageService,
): void {
  const removed = (access: ChannelAccess, message: MessageRecord, emoji: string, userId: string) =>
    messages.publish({
      t: 'MESSAGE_REACTION_REMOVE',
      ...channelAudience(access.channel, 'reactions'),
      d: {
        user_id: userId,
        channel_id: message.channelId,
        message_id: message.id,
        ...guildField(access.channel),
        emoji: wireEmoji(emoji),
        burst: false,
        type: 0,
      },
    });

  app.put<{ Params: ReactionParams }>(
    `${BASE}/:emoji/@me`,
    { schema: { params: ReactionParams }, config: write },
    async (request, reply) => {
      const identity = identityOf(request);
      const emoji = parseReactionEmoji(request.params.emoji);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      requireHistory(ctx, access);
      refuseTimedOut(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      const counts =
        (await ctx.storage.reactions.counts([message.id], identity.userId)).get(message.id) ?? [];
      // Discord: joining an existing reaction needs no ADD_REACTIONS; a new emoji does, within the limit.
      if (!counts.some((c) => c.emoji === emoji)) {
        requireInChannel(ctx, access, Permissions.ADD_REACTIONS);
        if (counts.length >= MAX_DISTINCT_REACTIONS) throw textErrors.create('TEXT_MAX_REACTIONS');
      }
      const added = await ctx.storage.reactions.add({
        messageId: message.id,
        channelId: message.channelId,
        emoji,
        userId: identity.userId,
        createdAt: ctx.now(),
      });
      if (added) {
        await messages.publish({
          t: 'MESSAGE_REACTION_ADD',
          ...channelAudience(access.channel, 'reactions'),
          d: {
            user_id: identity.userId,
            channel_id: message.channelId,
            message_id: message.id,
            ...guildField(access.channel),
            ...(access.guild ? { member: await memberWithUser(ctx, identity, access) } : {}),
            emoji: wireEmoji(emoji),
            message_author_id: message.authorId,
            burst: false,
            burst_colors: [],
            type: 0,
          },
        });
      }
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: ReactionParams }>(
    `${BASE}/:emoji/@me`,
    { schema: { params: ReactionParams }, config: write },
    async (request, reply) => {
      const identity = identityOf(request);
      const emoji = parseReactionEmoji(request.params.emoji);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      if (await ctx.storage.reactions.remove(message.id, emoji, identity.userId))
        await removed(access, message, emoji, identity.userId);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: UserReactionParams }>(
    `${BASE}/:emoji/:userId`,
    { schema: { params: UserReactionParams }, config: write },
    async (request, reply) => {
      const identity = identityOf(request);
      const emoji = parseReactionEmoji(request.params.emoji);
      const access = await textChannelAccess(ctx, identity, request.params.id);
      const { userId } = request.params;
      if (userId !== identity.userId) requireManage(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      if (await ctx.storage.reactions.remove(message.id, emoji, userId))
        await removed(access, message, emoji, userId);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: ReactionParams; Querystring: ListQuery }>(
    `${BASE}/:emoji`,
    { schema: { params: ReactionParams, querystring: ListQuery }, config: { scope: 'messages.read' } },
    async (request) => {
      const identity = identityOf(request);
      const emoji = parseReactionEmoji(request.params.emoji);
      const limit = queryInt(request.query.limit, 'limit', { min: 1, max: 100, fallback: 25 });
      const access = await textChannelAccess(ctx, identity, request.params.id);
      requireHistory(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      if (request.query.type === '1') return [];
      const { after } = request.query;
      const ids = await ctx.storage.reactions.listUsers(message.id, emoji, {
        limit,
        ...(after !== undefined ? { after } : {}),
      });
      const users = new Map((await ctx.accounts.users.getMany(ids)).map((u) => [u.id, u]));
      return ids.flatMap((id) => {
        const user = users.get(id);
        return user ? [toWireUser(user)] : [];
      });
    },
  );

  app.delete<{ Params: MessageParams }>(
    BASE,
    { schema: { params: MessageParams }, config: write },
    async (request, reply) => {
      const access = await textChannelAccess(ctx, identityOf(request), request.params.id);
      requireManage(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      if ((await ctx.storage.reactions.removeAll(message.id)) > 0)
        await messages.publish({
          t: 'MESSAGE_REACTION_REMOVE_ALL',
          ...channelAudience(access.channel, 'reactions'),
          d: { channel_id: message.channelId, message_id: message.id, ...guildField(access.channel) },
        });
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: ReactionParams }>(
    `${BASE}/:emoji`,
    { schema: { params: ReactionParams }, config: write },
    async (request, reply) => {
      const emoji = parseReactionEmoji(request.params.emoji);
      const access = await textChannelAccess(ctx, identityOf(request), request.params.id);
      requireManage(ctx, access);
      const message = await loadMessage(ctx, request.params.id, request.params.mid);
      if ((await ctx.storage.reactions.removeAll(message.id, emoji)) > 0)
        await messages.publish({
          t: 'MESSAGE_REACTION_REMOVE_EMOJI',
          ...channelAudience(access.channel, 'reactions'),
          d: {
            channel_id: message.channelId,
            message_id: message.id,
            ...guildField(access.channel),
            emoji: wireEmoji(emoji),
          },
        });
      return reply.code(204).send();
    },
  );
}

/** Removing others' reactions is moderation: MANAGE_MESSAGES, which nobody has in a DM. */
function requireManage(ctx: TextContext, access: ChannelAccess): void {
  if (canManageMessages(access)) return;
  if (access.guild === null) throw commonErrors.create('MISSING_PERMISSIONS');
  requireInChannel(ctx, access, Permissions.MANAGE_MESSAGES);
}

/** Discord: a timed-out member cannot react at all, not even by joining an existing reaction. */
function refuseTimedOut(ctx: TextContext, access: ChannelAccess): void {
  const member = access.guild?.member;
  if (
    member &&
    !access.guild?.isOwner &&
    isTimedOut(member, ctx.now()) &&
    !(access.permissions & Permissions.ADMINISTRATOR)
  )
    throw textErrors.create('TEXT_TIMED_OUT', {
      params: { until: new Date(member.communicationDisabledUntil as number).toISOString() },
    });
}

/** The reacting member as MESSAGE_REACTION_ADD carries it: partial member with its user. */
async function memberWithUser(ctx: TextContext, identity: Identity, access: ChannelAccess) {
  const member = access.guild?.member;
  if (!member) return undefined;
  return toWireMember(member, await loadUsers(ctx.accounts, [identity.userId]));
}
