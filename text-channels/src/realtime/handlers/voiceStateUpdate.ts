import { checkVoiceState } from '../../voice/voiceStatePayload.js';
import type { OpHandler } from '../GatewayCore.js';
import { CloseCode } from '../protocol.js';

/**
 * op 4: join, switch or leave a voice channel, or change self mute/deafen (voice/VoiceJoiner.ts).
 * A malformed payload closes with 4002, as Discord does. A refused join (no CONNECT, full channel,
 * not a voice channel, no voice server) changes and dispatches nothing, as Discord silently
 * ignores it; a failure of Redis or storage is logged and leaves the session open.
 */
export const voiceStateUpdate: OpHandler = async (core, session, d) => {
  const payload = checkVoiceState.parse(d);
  if (!payload) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  const sessionId = session.id;
  if (!sessionId) return;
  try {
    const credential = session.credential;
    const botScopes = credential?.kind === 'bot' ? credential.scopes : null;
    const refused = await core.ctx.voice.joiner.handle(
      { sessionId, userId: session.userId, botScopes },
      payload,
    );
    if (refused) {
      const where = { session: sessionId, guild: payload.guild_id, channel: payload.channel_id, refused };
      if (refused === 'no_voice_instance') core.logger.warn(where, 'no voice instance alive: join refused');
      else core.logger.debug(where, 'voice state update ignored');
    }
  } catch (err) {
    core.logger.warn({ err, session: sessionId }, 'voice state update failed');
  }
};
