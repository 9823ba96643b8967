/**
 * A per-producer stage between a microphone's RTP and its consumers: the engine hands it every Opus
 * frame in arrival order and forwards whatever it emits, in the order emitted. Implementations may
 * answer later (a worker thread) but must keep order and must never block the caller.
 */
export interface OpusFrame {
  /** One Opus packet (RTP payload). */
  payload: Buffer;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
}

export interface ProcessedFrame extends OpusFrame {
  /**
   * RNNoise's voice-activity probability (0..1) for this frame when it was denoised; absent when the
   * frame went through untouched (DTX, silence, suppression off).
   */
  vad?: number;
}

export interface AudioProcessor {
  process(frame: OpusFrame): void;
  /** Idempotent; frames still in flight are dropped. */
  close(): void;
}

/** The engine creates one processor per producer, giving it the function that forwards its output. */
export type AudioProcessorFactory = (emit: (frame: ProcessedFrame) => void) => AudioProcessor;
