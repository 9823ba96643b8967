/**
 * Where voice channels live. Voice instances announce themselves with a heartbeat and their load;
 * text-channels asks which instance serves a channel when a user joins it. A channel lives on one
 * instance; a channel without a live instance goes to the least-loaded live, non-draining one.
 */
export interface VoiceInstance {
  id: string;
  /** What clients connect to (VOICE_SERVER_UPDATE `endpoint`): this instance's voice WebSocket URL. */
  endpoint: string;
  /** Base URL text-channels calls for server mute/deafen and disconnects (internal network). */
  internalUrl: string;
  /** Participants connected now. */
  load: number;
  /** Set during graceful shutdown: keeps serving, takes no new channels. */
  draining: boolean;
}

export interface VoiceRegistry {
  /** Voice side: announce or refresh this instance; it is considered dead `ttlMs` after the last call. */
  heartbeat(instance: VoiceInstance, ttlMs: number): Promise<void>;
  /** Voice side: leave the registry at once (shutdown). */
  remove(instanceId: string): Promise<void>;
  /** Live instances, any order. */
  alive(): Promise<VoiceInstance[]>;
  /** Text side: the instance serving the channel, assigning one when it has none alive. Null: none alive. */
  assign(channelId: string): Promise<VoiceInstance | null>;
  /** Voice side: the channel emptied on this instance; forget the assignment if it is still ours. */
  release(channelId: string, instanceId: string): Promise<void>;
  close(): Promise<void>;
}
