import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/** op 26: the client leaves the channel; the server closes the socket with 1000. */
export const leave = defineHandler({
  op: VoiceOp.LEAVE,
  name: 'LEAVE',
  when: 'ready',
  serial: true,
  checker: checkers.leave,
  handle(session) {
    session.leaveReason = 'left';
    session.close(1000, 'Left the voice channel');
  },
});
