import { defineErrors } from '@driftway/common';

/**
 * voice-channels' error table (codes 902xx). HTTP routes answer with these bodies; the voice
 * WebSocket sends the same `{ code, message }` in an ERROR op (the status is then unused). Keys and
 * codes are never reused (test/service/errors.test.ts checks against commonErrors).
 */
export const voiceErrors = defineErrors({
  VOICE_SERVICE_UNAUTHORIZED: {
    status: 401,
    code: 90201,
    message: 'Missing or invalid service signature',
  },
  VOICE_INVALID_SDP: {
    status: 400,
    code: 90210,
    message: 'The SDP answer is malformed or does not match the offer: {detail}',
  },
  VOICE_STALE_REVISION: {
    status: 409,
    code: 90211,
    message: 'The answer is for revision {got}; the offer waiting for an answer is revision {expected}',
  },
  VOICE_NO_PENDING_OFFER: {
    status: 409,
    code: 90212,
    message: 'No offer is waiting for an answer (answer for revision {got})',
  },
  VOICE_INVALID_CANDIDATE: { status: 400, code: 90213, message: 'The ICE candidate was refused: {detail}' },
  VOICE_TEXT_UNAVAILABLE: {
    status: 503,
    code: 90214,
    message: 'The moderation request could not reach text-channels',
  },
  VOICE_NOISE_SUPPRESSION_UNAVAILABLE: {
    status: 400,
    code: 90215,
    message: 'Noise suppression is not available on this voice server',
  },
  VOICE_INTERNAL_ERROR: { status: 500, code: 90216, message: 'Internal error while handling op {op}' },
});
export type VoiceErrorKey = keyof typeof voiceErrors.table;
