import type { VoiceInstance, VoiceRegistry } from './VoiceRegistry.js';

/**
 * Embedded mode (no Redis): one voice instance, known from configuration. Heartbeats and releases
 * have nothing to coordinate with, so they do nothing.
 */
export class StaticVoiceRegistry implements VoiceRegistry {
  constructor(private readonly instance: VoiceInstance) {}

  async heartbeat(): Promise<void> {}
  async remove(): Promise<void> {}
  async alive(): Promise<VoiceInstance[]> {
    return [this.instance];
  }
  async assign(): Promise<VoiceInstance | null> {
    return this.instance;
  }
  async release(): Promise<void> {}
  async close(): Promise<void> {}
}
