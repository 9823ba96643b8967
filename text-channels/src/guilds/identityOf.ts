import { commonErrors, type Identity } from '@driftway/common';
import type { FastifyRequest } from 'fastify';

/** The caller; installGatewayIdentity guarantees it on every route that is not `auth: 'none'`. */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw commonErrors.create('INTERNAL_IDENTITY_INVALID');
  return request.identity;
}
