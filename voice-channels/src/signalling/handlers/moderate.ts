import { voiceErrors } from '../../errors.js';
import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import type { ModerationAction } from '../../text/TextClient.js';
import { defineHandler } from '../OpHandler.js';

/**
 * op 24: server mute/deafen, move or disconnect, requested by a participant. Forwarded to
 * text-channels' REST route as that participant, so text enforces MUTE_MEMBERS / DEAFEN_MEMBERS /
 * MOVE_MEMBERS; the change comes back to this instance through the internal routes.
 */
export const moderate = defineHandler({
  op: VoiceOp.MODERATE,
  name: 'MODERATE',
  when: 'ready',
  serial: false,
  checker: checkers.moderate,
  async handle(session, d) {
    const participant = session.participant;
    if (!participant) return;
    const action: ModerationAction =
      'mute' in d
        ? { mute: d.mute }
        : 'deaf' in d
          ? { deaf: d.deaf }
          : 'channel_id' in d
            ? { channel_id: d.channel_id }
            : { channel_id: null };
    const { grant } = participant;
    const result = await session.ctx.text.moderate(grant, d.user_id, action);
    const echo = { user_id: d.user_id, ...(d.nonce === undefined ? {} : { nonce: d.nonce }) };
    if (result.ok) return session.send(VoiceOp.MODERATE_ACK, echo);
    if (result.status === null)
      return session.sendError(voiceErrors.create('VOICE_TEXT_UNAVAILABLE'), VoiceOp.MODERATE, echo);
    session.send(VoiceOp.ERROR, {
      code: result.code,
      message: result.message,
      op: VoiceOp.MODERATE,
      status: result.status,
      ...echo,
    });
  },
});
