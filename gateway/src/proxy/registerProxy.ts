import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';

// STUB: owned by the proxy helper; registers the upstream routes and WebSocket upgrade proxying.
export async function registerProxy(_app: FastifyInstance, _ctx: GatewayContext): Promise<void> {}
