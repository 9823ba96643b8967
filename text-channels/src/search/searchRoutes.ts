import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { identityOf } from '../messages/channelGuards.js';
import type { MessageWireBuilder } from '../messages/MessageWireBuilder.js';
import { queryInt, Snowflake } from '../messages/messageSchemas.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { ChannelType } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';

const GuildParams = Type.Object({ id: Snowflake }, { additionalProperties: false });
type GuildParams = Static<typeof GuildParams>;
const SearchQuery = Type.Object(
  {
    content: Type.Optional(Type.String({ maxLength: 1024 })),
    author_id: Type.Optional(Snowflake),
    channel_id: Type.Optional(Snowflake),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);
type SearchQuery = Static<typeof SearchQuery>;

const READABLE = Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY;

/**
 * GET /guilds/:id/messages/search, in Discord's shape: `{ total_results, messages: [[message]] }`,
 * newest first. Only the channels the caller may view AND read the history of are searched: the
 * list is computed here and handed to the store, so a hidden channel's messages can never match.
 */
export function registerSearchRoutes(app: FastifyInstance, ctx: TextContext, wire: MessageWireBuilder): void {
  app.get<{ Params: GuildParams; Querystring: SearchQuery }>(
    '/api/v10/guilds/:id/messages/search',
    { schema: { params: GuildParams, querystring: SearchQuery }, config: { scope: 'messages.read' } },
    async (request) => {
      const identity = identityOf(request);
      const limit = queryInt(request.query.limit, 'limit', { min: 1, max: 25, fallback: 25 });
      const offset = queryInt(request.query.offset, 'offset', { min: 0, max: 9975, fallback: 0 });
      const access = await ctx.access.guild(identity, request.params.id);
      const { content, author_id: authorId, channel_id: only } = request.query;
      const channelIds = (await ctx.storage.channels.listByGuild(access.guild.id))
        .filter((c) => c.type === ChannelType.GUILD_TEXT && (only === undefined || c.id === only))
        .filter((c) => hasPermissions(ctx.access.permissionsIn(access, c), READABLE))
        .map((c) => c.id);
      const empty = { total_results: 0, messages: [] as unknown[] };
      if (channelIds.length === 0) return empty;
      const found = await ctx.storage.messages.search({
        guildId: access.guild.id,
        channelIds,
        limit,
        offset,
        ...(content !== undefined && content.trim() !== '' ? { content } : {}),
        ...(authorId !== undefined ? { authorId } : {}),
      });
      const messages = await wire.many(found.messages, identity.userId);
      return { total_results: found.total, messages: messages.map((m) => [{ ...m, hit: true }]) };
    },
  );
}
