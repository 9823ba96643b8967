import type { FastifyInstance } from 'fastify';
import { registerPinRoutes } from '../pins/pinRoutes.js';
import { registerReactionRoutes } from '../reactions/reactionRoutes.js';
import { registerReadStateRoutes } from '../readstates/readStateRoutes.js';
import { registerSearchRoutes } from '../search/searchRoutes.js';
import type { TextContext } from '../TextContext.js';
import { registerTypingRoutes } from '../typing/typingRoutes.js';
import { MentionNotifier } from './MentionNotifier.js';
import { MessageService } from './MessageService.js';
import { MessageWireBuilder } from './MessageWireBuilder.js';
import { registerMessageRoutes } from './messageRoutes.js';
import { SlowmodeGate } from './SlowmodeGate.js';

/** Messages, reactions, pins, typing, read states and search: every route under /api/v10. */
export async function registerMessagingRoutes(app: FastifyInstance, ctx: TextContext): Promise<void> {
  const wire = new MessageWireBuilder(ctx);
  const messages = new MessageService(ctx, {
    wire,
    slowmode: new SlowmodeGate(ctx.redis, ctx.logger, ctx.now),
    mentions: new MentionNotifier(ctx),
  });
  registerMessageRoutes(app, ctx, messages, wire);
  registerReactionRoutes(app, ctx, messages);
  registerPinRoutes(app, ctx, messages, wire);
  registerTypingRoutes(app, ctx, messages);
  registerReadStateRoutes(app, ctx, messages);
  registerSearchRoutes(app, ctx, wire);
}
