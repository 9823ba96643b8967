import { type Static, Type } from '@sinclair/typebox';
import { compile } from '../realtime/payloads.js';

const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });

/**
 * op 4 (Discord's Gateway Voice State Update). Every field is required, as on Discord; fields
 * clients add (`self_video`, `preferred_region`, `flags`) are accepted and ignored. `guild_id: null`
 * (a DM call) is valid and ignored: there are no DM calls here.
 */
export const VoiceStatePayload = Type.Object({
  guild_id: Type.Union([Snowflake, Type.Null()]),
  channel_id: Type.Union([Snowflake, Type.Null()]),
  self_mute: Type.Boolean(),
  self_deaf: Type.Boolean(),
});
export type VoiceStatePayload = Static<typeof VoiceStatePayload>;

export const checkVoiceState = compile(VoiceStatePayload);
