import {
  type ServiceCalls,
  VOICE_LEFT_PATH,
  VOICE_SELF_STATE_PATH,
  type VoiceLeft,
  type VoiceSelfState,
} from '@driftway/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { serviceCallGuard } from '../http/serviceCallGuard.js';
import type { VoiceService } from './VoiceService.js';

const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });
const Id = Type.String({ minLength: 1, maxLength: 128 });

const VoiceLeftBody = Type.Object({
  guild_id: Snowflake,
  channel_id: Snowflake,
  user_id: Snowflake,
  session_id: Id,
  instance_id: Id,
  reason: Type.String({ maxLength: 64 }),
});

const VoiceSelfStateBody = Type.Object({
  guild_id: Snowflake,
  channel_id: Snowflake,
  user_id: Snowflake,
  session_id: Id,
  self_mute: Type.Boolean(),
  self_deaf: Type.Boolean(),
});

/**
 * voice-channels → text-channels (common/src/voice/voiceInternalApi.ts): a participant left, or toggled
 * self mute/deafen on its voice connection. Not for clients: only a service call signed with the
 * internal secret (`x-driftway-service`, bound to this method and path) gets past the check; the
 * gateway never routes /internal/.
 */
export function registerVoiceRoutes(app: FastifyInstance, voice: VoiceService, calls: ServiceCalls): void {
  const verify = serviceCallGuard(calls);

  app.post<{ Body: VoiceLeft }>(
    VOICE_LEFT_PATH,
    { schema: { body: VoiceLeftBody }, config: { auth: 'none' }, onRequest: verify },
    async (request) => ({ removed: await voice.reports.left(request.body) }),
  );

  app.post<{ Body: VoiceSelfState }>(
    VOICE_SELF_STATE_PATH,
    { schema: { body: VoiceSelfStateBody }, config: { auth: 'none' }, onRequest: verify },
    async (request) => ({ updated: await voice.reports.selfState(request.body) }),
  );
}
