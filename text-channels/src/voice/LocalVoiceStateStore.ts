import { decodeVoiceState, encodeVoiceState, type VoiceStateRecord } from './VoiceState.js';
import type { VoiceStateStore } from './VoiceStateStore.js';

/**
 * BUS=local (embedded mode, one instance): the states live in this process, like the local event
 * hub and presence. They hold encoded strings so compare-and-set means what it means in Redis.
 */
export class LocalVoiceStateStore implements VoiceStateStore {
  private readonly states = new Map<string, Map<string, string>>();

  async get(guildId: string, userId: string): Promise<VoiceStateRecord | null> {
    const raw = this.states.get(guildId)?.get(userId);
    return raw === undefined ? null : decodeVoiceState(raw);
  }

  async list(guildId: string): Promise<VoiceStateRecord[]> {
    return [...(this.states.get(guildId)?.values() ?? [])].map(decodeVoiceState);
  }

  async guilds(): Promise<string[]> {
    return [...this.states.keys()];
  }

  async swap(
    guildId: string,
    userId: string,
    expected: VoiceStateRecord | null,
    next: VoiceStateRecord | null,
  ): Promise<boolean> {
    const guild = this.states.get(guildId);
    const current = guild?.get(userId) ?? null;
    if (current !== (expected === null ? null : encodeVoiceState(expected))) return false;
    if (next === null) {
      guild?.delete(userId);
      if (guild?.size === 0) this.states.delete(guildId);
      return true;
    }
    if (guild) guild.set(userId, encodeVoiceState(next));
    else this.states.set(guildId, new Map([[userId, encodeVoiceState(next)]]));
    return true;
  }

  async close(): Promise<void> {
    this.states.clear();
  }
}
