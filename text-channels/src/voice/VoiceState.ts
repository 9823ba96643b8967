import type { WireMember } from '../wire/WireMember.js';

/**
 * One user's voice state in one guild, as text-channels keeps it (Discord's voice state fields plus
 * what the service needs internally). A user has at most one per guild.
 */
export interface VoiceStateRecord {
  guildId: string;
  channelId: string;
  userId: string;
  /** The main-gateway session that joined (Discord's `session_id`). */
  sessionId: string;
  /** Server mute / deafen (MUTE_MEMBERS, DEAFEN_MEMBERS). */
  mute: boolean;
  deaf: boolean;
  selfMute: boolean;
  selfDeaf: boolean;
  /** No SPEAK in the channel: may listen, is not forwarded. */
  suppress: boolean;
  /** The voice-channels instance serving the channel: the state expires when it dies. */
  instanceId: string;
  /** Set while the session's gateway connection is gone but resumable; the state expires after a grace. */
  orphanedAt: number | null;
  /** Set for bots: their token's scopes travel in the voice token (see VoiceGrant). */
  botScopes?: readonly string[];
}

/**
 * The stored form. Fields in a fixed order, so the same state always encodes to the same string:
 * the stores compare encoded strings to make every write a compare-and-set.
 */
export function encodeVoiceState(s: VoiceStateRecord): string {
  return JSON.stringify({
    guildId: s.guildId,
    channelId: s.channelId,
    userId: s.userId,
    sessionId: s.sessionId,
    mute: s.mute,
    deaf: s.deaf,
    selfMute: s.selfMute,
    selfDeaf: s.selfDeaf,
    suppress: s.suppress,
    instanceId: s.instanceId,
    orphanedAt: s.orphanedAt,
    ...(s.botScopes ? { botScopes: s.botScopes } : {}),
  });
}

export function decodeVoiceState(raw: string): VoiceStateRecord {
  return JSON.parse(raw) as VoiceStateRecord;
}

/** Discord's voice state object. */
export interface WireVoiceState {
  guild_id?: string;
  channel_id: string | null;
  user_id: string;
  member?: WireMember;
  session_id: string;
  deaf: boolean;
  mute: boolean;
  self_deaf: boolean;
  self_mute: boolean;
  self_stream: false;
  self_video: false;
  suppress: boolean;
  request_to_speak_timestamp: null;
}

/**
 * GUILD_CREATE `voice_states`: without `guild_id` and `member` (Discord's shape). VOICE_STATE_UPDATE
 * adds both; a leave is the last state with `channel_id: null`.
 */
export function toWireVoiceState(
  s: VoiceStateRecord,
  extra: { guildId?: string; member?: WireMember; left?: boolean } = {},
): WireVoiceState {
  return {
    ...(extra.guildId !== undefined ? { guild_id: extra.guildId } : {}),
    channel_id: extra.left ? null : s.channelId,
    user_id: s.userId,
    ...(extra.member ? { member: extra.member } : {}),
    session_id: s.sessionId,
    deaf: s.deaf,
    mute: s.mute,
    self_deaf: s.selfDeaf,
    self_mute: s.selfMute,
    self_stream: false,
    self_video: false,
    suppress: s.suppress,
    request_to_speak_timestamp: null,
  };
}
