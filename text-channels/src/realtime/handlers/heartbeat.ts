import type { OpHandler } from '../GatewayCore.js';
import { CloseCode } from '../protocol.js';

const ACK = '{"op":11,"d":null}';

/** op 1: the client is alive; answered with op 11. Allowed before IDENTIFY (Discord: right after HELLO). */
export const heartbeat: OpHandler = (core, session, d) => {
  // `d` is the last sequence the client saw, or null before any dispatch.
  if (d !== undefined && d !== null && !(Number.isSafeInteger(d) && (d as number) >= 0)) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  session.lastHeartbeatAt = core.ctx.now();
  session.send(ACK);
};
