import { commonErrors, type Storage } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import { toWireUser } from '../wire.js';

/** GET /users/@me for users and bots. */
export function registerUserRoutes(app: FastifyInstance, storage: Storage): void {
  app.get('/api/v10/users/@me', { config: { scope: 'identify', bucket: 'users.me' } }, async (request) => {
    const identity = request.identity;
    const user = identity ? await storage.users.getById(identity.userId) : null;
    // A valid token for an account that no longer exists.
    if (!user) throw commonErrors.create('UNAUTHORIZED');
    return toWireUser(user, 'self');
  });
}
