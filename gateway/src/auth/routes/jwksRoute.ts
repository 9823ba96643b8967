import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../KeyRing.js';

/** The public verification keys, for services that check access tokens themselves. */
export function registerJwksRoute(app: FastifyInstance, keys: KeyRing): void {
  const body = { keys: keys.publicJwks };
  app.get('/.well-known/jwks.json', { config: { auth: 'none', bucket: 'jwks' } }, async (_request, reply) => {
    reply.header('Cache-Control', 'public, max-age=300');
    return body;
  });
}
