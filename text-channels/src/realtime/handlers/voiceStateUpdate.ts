import type { OpHandler } from '../GatewayCore.js';

/**
 * op 4: voice is issue 4 (voice-channels). Until then the command is accepted and ignored, by
 * design and documented: no VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE follow, and the session stays
 * open (closing would make bot libraries reconnect in a loop).
 */
export const voiceStateUpdate: OpHandler = () => {};
