/**
 * Service calls (internal/ServiceCalls.ts) between text-channels (owner of voice states) and
 * voice-channels (owner of media): their paths and bodies.
 */

/** text-channels → voice-channels: a voice state changed by someone other than the participant. */
export const VOICE_STATE_PATH = '/internal/voice/state';
/** text-channels → voice-channels: this user must leave this channel now (left, moved, kicked, expired). */
export const VOICE_DISCONNECT_PATH = '/internal/voice/disconnect';
/** voice-channels → text-channels: the participant left or their voice connection ended. */
export const VOICE_LEFT_PATH = '/internal/voice/left';
/** voice-channels → text-channels: the participant toggled self mute/deafen on the voice connection. */
export const VOICE_SELF_STATE_PATH = '/internal/voice/self-state';

/** Server-side voice state of one participant, as text-channels holds it (Discord's voice state fields). */
export interface VoiceStateChange {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  mute: boolean;
  deaf: boolean;
  self_mute: boolean;
  self_deaf: boolean;
  /** No SPEAK permission in the channel: may listen, must not be forwarded. */
  suppress: boolean;
}

export interface VoiceDisconnect {
  guild_id: string;
  channel_id: string;
  user_id: string;
  /** Why, for the client: 'left' | 'moved' | 'disconnected_by_moderator' | 'kicked' | 'expired'. */
  reason: string;
}

export interface VoiceLeft {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  instance_id: string;
  /** 'left' (client asked), 'connection_lost', 'drained'. */
  reason: string;
}

export interface VoiceSelfState {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  self_mute: boolean;
  self_deaf: boolean;
}
