import { checkers } from '../../protocol/payloads.js';
import { VoiceOp } from '../../protocol/protocol.js';
import { defineHandler } from '../OpHandler.js';

/** op 3: keeps the session alive in any state; the ACK echoes the nonce. */
export const heartbeat = defineHandler({
  op: VoiceOp.HEARTBEAT,
  name: 'HEARTBEAT',
  when: 'any',
  serial: false,
  checker: checkers.heartbeat,
  handle(session, d) {
    session.heartbeat(d);
  },
});
