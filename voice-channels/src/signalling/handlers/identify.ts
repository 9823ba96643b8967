import type { VoiceTokenFailure } from '@driftway/common';
import { checkers } from '../../protocol/payloads.js';
import { VoiceClose, type VoiceCloseCode, VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

const CLOSE_FOR: Record<VoiceTokenFailure, VoiceCloseCode> = {
  malformed: VoiceClose.AUTHENTICATION_FAILED,
  bad_signature: VoiceClose.AUTHENTICATION_FAILED,
  expired: VoiceClose.TOKEN_EXPIRED,
  wrong_instance: VoiceClose.WRONG_INSTANCE,
};

/** op 0: the token from VOICE_SERVER_UPDATE, and who the client says it is (each must match). */
export const identify = defineHandler({
  op: VoiceOp.IDENTIFY,
  name: 'IDENTIFY',
  when: 'hello',
  serial: true,
  checker: checkers.identify,
  async handle(session, d) {
    session.state = 'identifying';
    const { ctx } = session;
    if (ctx.isDraining()) return session.close(VoiceClose.SERVER_DRAINING);
    const result = await ctx.tokens.verify(d.token);
    if (session.closed) return;
    if (!result.ok) return session.close(CLOSE_FOR[result.reason]);
    const { grant } = result;
    const mismatch =
      d.user_id !== grant.userId
        ? 'user_id'
        : d.server_id !== grant.guildId
          ? 'server_id'
          : d.session_id !== grant.sessionId
            ? 'session_id'
            : d.channel_id !== undefined && d.channel_id !== grant.channelId
              ? 'channel_id'
              : null;
    if (mismatch)
      return session.close(VoiceClose.AUTHENTICATION_FAILED, `The token is not for this ${mismatch}`);
    session.log.info({ user: grant.userId, channel: grant.channelId }, 'voice identify');
    try {
      const self = { self_mute: d.self_mute ?? false, self_deaf: d.self_deaf ?? false };
      const participant = await ctx.rooms.join(grant, self, session, (p, room) => session.ready(p, room));
      // Null: the socket closed meanwhile, or a newer connection of the same user took over.
      if (!participant) session.close(VoiceClose.SESSION_REPLACED);
    } catch (err) {
      session.log.error({ err }, 'could not join the voice channel');
      session.close(VoiceClose.UNKNOWN_ERROR, 'Could not set up the media connection');
    }
  },
});
