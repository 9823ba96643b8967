import { voiceErrors } from '../../errors.js';
import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/** op 22: self mute/deafen and the noise-suppression choice, applied at once and told to text. */
export const selfState = defineHandler({
  op: VoiceOp.SELF_STATE,
  name: 'SELF_STATE',
  when: 'ready',
  serial: true,
  checker: checkers.selfState,
  handle(session, d) {
    const { participant, room } = session;
    if (!participant || !room) return;
    const change = { ...d };
    if (change.noise_suppression === true && !room.noiseAvailable) {
      delete change.noise_suppression;
      session.sendError(voiceErrors.create('VOICE_NOISE_SUPPRESSION_UNAVAILABLE'), VoiceOp.SELF_STATE);
    }
    session.ctx.rooms.selfState(participant, change);
  },
});
