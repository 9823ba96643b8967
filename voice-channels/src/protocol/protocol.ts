/**
 * The voice WebSocket protocol: JSON `{ op, d }` frames, close to Discord's voice gateway. Numbers
 * Discord uses for the same idea keep Discord's number; WebRTC signalling that Discord does not
 * have (its voice is not WebRTC) starts at 20. docs/voice.md documents every op and code here.
 */
export const VoiceOp = {
  IDENTIFY: 0,
  READY: 2,
  HEARTBEAT: 3,
  OFFER: 4,
  SPEAKING: 5,
  HEARTBEAT_ACK: 6,
  HELLO: 8,
  PARTICIPANT_JOIN: 11,
  PARTICIPANT_LEAVE: 13,
  ANSWER: 20,
  CANDIDATE: 21,
  SELF_STATE: 22,
  PARTICIPANT_UPDATE: 23,
  MODERATE: 24,
  MODERATE_ACK: 25,
  LEAVE: 26,
  RECONNECT: 27,
  ERROR: 28,
} as const;
export type VoiceOpCode = (typeof VoiceOp)[keyof typeof VoiceOp];

/** Close codes. `reconnect`: whether the client may open a new voice connection with a fresh token. */
export const VoiceClose = {
  UNKNOWN_ERROR: 4000,
  UNKNOWN_OPCODE: 4001,
  DECODE_ERROR: 4002,
  NOT_AUTHENTICATED: 4003,
  AUTHENTICATION_FAILED: 4004,
  ALREADY_AUTHENTICATED: 4005,
  SESSION_REPLACED: 4006,
  RATE_LIMITED: 4008,
  SESSION_TIMED_OUT: 4009,
  DISCONNECTED: 4014,
  TOKEN_EXPIRED: 4020,
  WRONG_INSTANCE: 4021,
  SERVER_DRAINING: 4022,
  MEDIA_FAILED: 4023,
} as const;
export type VoiceCloseCode = (typeof VoiceClose)[keyof typeof VoiceClose];

/** Default reason text per code (a close reason must fit in 123 bytes). */
export const VoiceCloseReason: Record<VoiceCloseCode, string> = {
  4000: 'Unknown error',
  4001: 'Unknown opcode',
  4002: 'Decode error',
  4003: 'Not authenticated',
  4004: 'Authentication failed',
  4005: 'Already authenticated',
  4006: 'Session replaced by a newer connection',
  4008: 'Rate limited',
  4009: 'Session timed out',
  4014: 'Disconnected',
  4020: 'Voice token expired',
  4021: 'Voice token is for another voice server',
  4022: 'Voice server is draining',
  4023: 'Media connection failed',
};

/** Frames larger than this are refused by the WebSocket layer itself (close 1009). */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Frames per window per connection, heartbeats included. */
export const MESSAGE_LIMIT = 300;
export const MESSAGE_WINDOW_MS = 60_000;
export const PROTOCOL_VERSION = 1;
export const VOICE_PATH = '/voice';
