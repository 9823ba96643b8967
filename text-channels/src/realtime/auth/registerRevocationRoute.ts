import {
  MAX_SESSIONS_PER_BATCH,
  REVOCATION_PATH,
  type RevocationEvent,
  type ServiceCalls,
} from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { serviceCallGuard } from '../../http/serviceCallGuard.js';

const Id = Type.String({ minLength: 1, maxLength: 128 });

const Until = Type.Integer({ minimum: 0 });

/**
 * A RelayedRevocation (common/src/auth/revocation/RevocationEvent.ts): one RevocationEvent, or a
 * batch of the sessions a restarted gateway reloaded from its database; nothing else.
 */
const RevocationBody = Type.Union([
  Type.Object(
    { type: Type.Literal('session'), sessionId: Id, until: Until },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('bot_token'), tokenId: Id }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('sessions'),
      sessions: Type.Array(Type.Object({ sessionId: Id, until: Until }, { additionalProperties: false }), {
        maxItems: MAX_SESSIONS_PER_BATCH,
      }),
    },
    { additionalProperties: false },
  ),
]);
type RevocationBody = Static<typeof RevocationBody>;

/**
 * gateway → text-channels in embedded mode (BUS=local: no Redis channel between the two processes):
 * a logout, refresh-token reuse or bot key revocation, applied as if it had arrived on the channel
 * (a batch, sent by a gateway at start-up, as that many session messages),
 * so live sessions close with 4004 and IDENTIFY/RESUME refuse the credential. Signed service calls
 * only (`x-driftway-service`); the gateway never routes /internal/.
 */
export function registerRevocationRoute(
  app: FastifyInstance,
  calls: ServiceCalls,
  revocations: { revoked(event: RevocationEvent): void },
): void {
  app.post<{ Body: RevocationBody }>(
    REVOCATION_PATH,
    { schema: { body: RevocationBody }, config: { auth: 'none' }, onRequest: serviceCallGuard(calls) },
    async (request, reply) => {
      const body = request.body;
      if (body.type !== 'sessions') revocations.revoked(body);
      else for (const s of body.sessions) revocations.revoked({ type: 'session', ...s });
      return reply.code(204).send();
    },
  );
}
