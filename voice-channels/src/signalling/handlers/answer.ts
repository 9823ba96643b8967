import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/** op 20: the client's answer to the offer with the same revision. */
export const answer = defineHandler({
  op: VoiceOp.ANSWER,
  name: 'ANSWER',
  when: 'ready',
  serial: true,
  checker: checkers.answer,
  async handle(session, d) {
    await session.participant?.negotiator.answer(d.sdp, d.revision);
  },
});
