import type { FastifyInstance, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors/commonErrors.js';
import { IDENTITY_HEADER, type InternalIdentitySigner } from '../identity/InternalIdentity.js';
import { hasScope } from '../identity/scopes.js';
import type { RouteAccess } from './routeAccess.js';

/**
 * For services behind the gateway: every route (unless `auth: 'none'`) needs a valid signed
 * identity header, bound to this exact method and URL. A bare user id header means nothing here.
 * Scope and principal rules are re-checked so a service never relies on the gateway alone.
 */
export function installGatewayIdentity(app: FastifyInstance, signer: InternalIdentitySigner): void {
  if (!app.hasRequestDecorator('identity')) app.decorateRequest('identity', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.is404) return;
    const config = request.routeOptions.config as RouteAccess;
    const header = request.headers[IDENTITY_HEADER];
    const identity = signer.verify(typeof header === 'string' ? header : undefined, {
      method: request.method,
      url: request.url,
    });
    request.identity = identity;
    if (config.auth === 'none') return;
    if (!identity) throw commonErrors.create('INTERNAL_IDENTITY_INVALID');
    if (config.principals === 'user' && identity.kind !== 'user') throw commonErrors.create('MISSING_ACCESS');
    if (config.scope && !hasScope(identity, config.scope)) throw commonErrors.create('MISSING_ACCESS');
  });
}
