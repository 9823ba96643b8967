import type { OpHandler } from '../GatewayCore.js';
import { toPresenceEntry } from '../PresenceTracker.js';
import { checkPresence } from '../payloads.js';
import { CloseCode } from '../protocol.js';

/** op 3: the session's status and activities; members with GUILD_PRESENCES hear about changes. */
export const presenceUpdate: OpHandler = async (core, session, d) => {
  const payload = checkPresence.parse(d);
  if (!payload) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  session.presence = toPresenceEntry(session.userId, payload);
  await core.presence.set(session, session.presence, [...session.views.keys()]);
};
