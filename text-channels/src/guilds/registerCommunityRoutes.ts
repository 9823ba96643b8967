import type { FastifyInstance } from 'fastify';
import { registerChannelRoutes } from '../channels/channelRoutes.js';
import { registerDmRoutes } from '../channels/dmRoutes.js';
import { registerOverwriteRoutes } from '../channels/overwriteRoutes.js';
import { registerInviteRoutes } from '../invites/inviteRoutes.js';
import { registerBanRoutes } from '../members/banRoutes.js';
import { registerMemberRoutes } from '../members/memberRoutes.js';
import { registerRoleRoutes } from '../roles/roleRoutes.js';
import type { TextContext } from '../TextContext.js';
import { registerGuildRoutes } from './guildRoutes.js';

/**
 * The community REST API under /api/v10 (what the gateway forwards): guilds, channels and
 * overwrites, roles, members and bans, invites, DMs. Every route authorises through ctx.access and
 * publishes its DispatchEvents after the durable write.
 */
export async function registerCommunityRoutes(app: FastifyInstance, ctx: TextContext): Promise<void> {
  registerGuildRoutes(app, ctx);
  registerChannelRoutes(app, ctx);
  registerOverwriteRoutes(app, ctx);
  registerDmRoutes(app, ctx);
  registerRoleRoutes(app, ctx);
  registerMemberRoutes(app, ctx);
  registerBanRoutes(app, ctx);
  registerInviteRoutes(app, ctx);
}
