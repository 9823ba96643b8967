import type { VoiceStateRecord } from './VoiceState.js';

/**
 * Voice states, shared by every text-channels instance (BUS=redis) or held in-process (BUS=local).
 * Every write is a compare-and-set against the state the caller read, so concurrent writers on
 * several instances never lose an update, and a removal tells exactly one caller that IT removed
 * the state (only that caller dispatches the leave).
 */
export interface VoiceStateStore {
  /** The user's state in the guild, or null. */
  get(guildId: string, userId: string): Promise<VoiceStateRecord | null>;
  /** Every state in the guild, any order. */
  list(guildId: string): Promise<VoiceStateRecord[]>;
  /** Guilds that have at least one state (for the expiry sweep). */
  guilds(): Promise<string[]>;
  /**
   * Replaces `expected` (null: there must be none) with `next` (null: remove). False, and nothing
   * written, when the stored state is not `expected` any more.
   */
  swap(
    guildId: string,
    userId: string,
    expected: VoiceStateRecord | null,
    next: VoiceStateRecord | null,
  ): Promise<boolean>;
  close(): Promise<void>;
}
