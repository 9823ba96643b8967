import { commonErrors } from '@driftway/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TextContext } from '../TextContext.js';

/**
 * Driftway does not cap session starts per day as Discord does (IDENTIFY is limited per connection
 * instead), so the limit bot libraries read is a constant they can never exhaust: they compare
 * `remaining` with their shard count before connecting and wait `reset_after` ms only when short.
 */
export const SESSION_START_LIMIT = {
  total: 1000,
  remaining: 1000,
  reset_after: 0,
  max_concurrency: 1,
} as const;

const GatewayReply = Type.Object({ url: Type.String() });
const GatewayBotReply = Type.Object({
  url: Type.String(),
  shards: Type.Integer(),
  session_start_limit: Type.Object({
    total: Type.Integer(),
    remaining: Type.Integer(),
    reset_after: Type.Integer(),
    max_concurrency: Type.Integer(),
  }),
});

/**
 * `GET /gateway` (public) and `GET /gateway/bot` (bot tokens): where the real-time gateway is.
 * Bot libraries call the second one first, with the REST base URL they were given, and connect
 * to the `url` it returns; one shard always suffices, as every instance serves every guild.
 */
export async function registerGatewayInfoRoutes(app: FastifyInstance, ctx: TextContext): Promise<void> {
  const url = ctx.config.publicGatewayUrl;
  app.get(
    '/api/v10/gateway',
    { config: { auth: 'none' }, schema: { response: { 200: GatewayReply } } },
    async () => ({ url }),
  );
  app.get('/api/v10/gateway/bot', { schema: { response: { 200: GatewayBotReply } } }, async (request) => {
    // Discord answers this route for bot tokens only; a user session uses GET /gateway.
    if (request.identity?.kind !== 'bot') throw commonErrors.create('MISSING_ACCESS');
    return { url, shards: 1, session_start_limit: SESSION_START_LIMIT };
  });
}
