import type { VoiceStateChange } from '@driftway/common';

/** A participant's voice state flags, as text-channels holds them (Discord's voice state fields). */
export interface VoiceFlags {
  mute: boolean;
  deaf: boolean;
  self_mute: boolean;
  self_deaf: boolean;
  /** No SPEAK permission: may listen, must not be heard. */
  suppress: boolean;
}

/** The microphone forwards nothing while any of these holds. */
export function producerPaused(flags: VoiceFlags): boolean {
  return flags.mute || flags.self_mute || flags.suppress;
}

/** A deafened participant receives nothing. */
export function consumersPaused(flags: VoiceFlags): boolean {
  return flags.deaf || flags.self_deaf;
}

export function flagsOf(change: VoiceStateChange): VoiceFlags {
  return {
    mute: change.mute,
    deaf: change.deaf,
    self_mute: change.self_mute,
    self_deaf: change.self_deaf,
    suppress: change.suppress,
  };
}

export function sameFlags(a: VoiceFlags, b: VoiceFlags): boolean {
  return (
    a.mute === b.mute &&
    a.deaf === b.deaf &&
    a.self_mute === b.self_mute &&
    a.self_deaf === b.self_deaf &&
    a.suppress === b.suppress
  );
}
