import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/** op 21: a trickled ICE candidate from the client. */
export const candidate = defineHandler({
  op: VoiceOp.CANDIDATE,
  name: 'CANDIDATE',
  when: 'ready',
  serial: true,
  checker: checkers.candidate,
  async handle(session, d) {
    // End of candidates: nothing to add, the ICE agent works with what it has.
    if (d.candidate === '') return;
    await session.participant?.transport.addRemoteCandidate({
      candidate: d.candidate,
      sdpMid: d.sdp_mid ?? null,
      sdpMLineIndex: d.sdp_mline_index ?? null,
    });
  },
});
