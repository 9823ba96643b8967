/**
 * RFC 6464 client-to-mixer audio level: one byte, `V` (voice activity, set by the sender's VAD) in the
 * top bit and the level in -dBov (0 = loudest, 127 = silence) in the low seven.
 */
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** The level in -dBov, or -1 when the payload is not an audio-level element. */
export function parseAudioLevel(payload: Uint8Array): number {
  const byte = payload[0];
  return byte === undefined ? -1 : byte & 0x7f;
}

/** The sender's voice-activity flag; false when absent. */
export function parseVoiceActivity(payload: Uint8Array): boolean {
  const byte = payload[0];
  return byte !== undefined && (byte & 0x80) !== 0;
}

/** Encodes a level (0..127 -dBov) and voice flag as the one-byte element. */
export function encodeAudioLevel(level: number, voice: boolean): Buffer {
  const clamped = Math.max(0, Math.min(127, Math.round(level)));
  return Buffer.from([(voice ? 0x80 : 0) | clamped]);
}
