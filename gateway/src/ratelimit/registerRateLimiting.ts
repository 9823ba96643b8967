import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';

// STUB: owned by the rate-limit helper; adds the rate-limit onRequest hook.
export async function registerRateLimiting(_app: FastifyInstance, _ctx: GatewayContext): Promise<void> {}
