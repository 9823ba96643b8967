import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';

export interface AuthenticationHooks {
  /** Sets request.identity from the Authorization header, or leaves it null. Never rejects. */
  resolveIdentity: onRequestAsyncHookHandler;
  /** Rejects per route config: 401 without identity where auth is required, 403 for scope/principal. */
  enforceAccess: onRequestAsyncHookHandler;
}

// STUB: owned by the auth helper; replaced by the real implementation.
export async function registerAuthentication(
  _app: FastifyInstance,
  _ctx: GatewayContext,
): Promise<AuthenticationHooks> {
  return { resolveIdentity: async () => {}, enforceAccess: async () => {} };
}
