import {
  SERVICE_HEADER,
  VOICE_DISCONNECT_PATH,
  VOICE_STATE_PATH,
  type VoiceDisconnect,
  type VoiceStateChange,
} from '@driftway/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { voiceErrors } from '../errors.js';
import type { VoiceContext } from '../VoiceContext.js';

const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });

const VoiceStateChangeBody = Type.Object({
  guild_id: Snowflake,
  channel_id: Snowflake,
  user_id: Snowflake,
  session_id: Type.String({ minLength: 1, maxLength: 128 }),
  mute: Type.Boolean(),
  deaf: Type.Boolean(),
  self_mute: Type.Boolean(),
  self_deaf: Type.Boolean(),
  suppress: Type.Boolean(),
});

const VoiceDisconnectBody = Type.Object({
  guild_id: Snowflake,
  channel_id: Snowflake,
  user_id: Snowflake,
  reason: Type.String({ minLength: 1, maxLength: 64 }),
});

/**
 * text-channels → this instance. Only a caller holding the internal secret gets past the signature
 * check (before the body is even parsed); anything else is 401.
 */
export function registerInternalRoutes(app: FastifyInstance, ctx: VoiceContext): void {
  const signed = async (request: FastifyRequest) => {
    const header = request.headers[SERVICE_HEADER];
    if (!ctx.calls.verify(typeof header === 'string' ? header : undefined, request.method, request.url))
      throw voiceErrors.create('VOICE_SERVICE_UNAUTHORIZED');
  };

  app.post<{ Body: VoiceStateChange }>(
    VOICE_STATE_PATH,
    { config: { auth: 'none' }, onRequest: signed, schema: { body: VoiceStateChangeBody } },
    async (request) => ({ applied: ctx.rooms.applyState(request.body) }),
  );

  app.post<{ Body: VoiceDisconnect }>(
    VOICE_DISCONNECT_PATH,
    { config: { auth: 'none' }, onRequest: signed, schema: { body: VoiceDisconnectBody } },
    async (request) => ({ disconnected: ctx.rooms.disconnect(request.body) }),
  );
}
