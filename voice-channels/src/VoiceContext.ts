import type { Logger, ServiceCalls, VoiceRegistry, VoiceTokenVerifier } from '@driftway/common';
import type { ResolvedVoiceConfig } from './config.js';
import type { AudioProcessorFactory } from './dsp/AudioProcessor.js';
import type { DenoiseStats } from './dsp/DenoiseStats.js';
import type { IceServer, MediaEngine } from './engine/MediaEngine.js';
import type { VoiceMetrics } from './metrics/voiceMetrics.js';
import type { RegistryHeartbeat } from './registry/RegistryHeartbeat.js';
import type { Rooms } from './rooms/Rooms.js';
import type { TextClient } from './text/TextClient.js';

/** The noise-suppression worker pool, as the service sees it. */
export interface NoiseSuppression {
  /** One processor per producer that has suppression on. */
  readonly factory: AudioProcessorFactory;
  /** Running totals of frames by outcome, read at scrape time. */
  stats(): DenoiseStats;
  /** Registers the one listener for each denoised frame's DSP time (milliseconds). */
  onFrameTime(listener: (ms: number) => void): void;
}

/** What buildVoice is given: real dependencies, created by main.ts or a test. Their owner closes them. */
export interface VoiceDeps {
  engine: MediaEngine;
  registry: VoiceRegistry;
  logger: Logger;
  /** Null: this instance has no DSP workers; participants cannot turn suppression on. */
  noise: NoiseSuppression | null;
  now?: () => number;
}

/** Everything the handlers and routes share, wired once in app.ts. */
export interface VoiceContext {
  config: ResolvedVoiceConfig;
  logger: Logger;
  engine: MediaEngine;
  rooms: Rooms;
  tokens: VoiceTokenVerifier;
  calls: ServiceCalls;
  text: TextClient;
  heartbeat: RegistryHeartbeat;
  metrics: VoiceMetrics;
  iceServers(userId: string): IceServer[];
  isDraining(): boolean;
}
